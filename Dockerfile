FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 JXC_DATA_DIR=/data STATIC_MANIFEST=true
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN pybabel -q compile -d locale -D django \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput
# /data/media exists and is jxc's in the image, so the named volume mounted there is writable
# (Docker creates a missing mount point owned by root, and exports would fail).
RUN useradd --create-home jxc && mkdir -p /data/media && chown jxc /data /data/media
USER jxc
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
