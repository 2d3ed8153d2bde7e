from django import template

from accounts.formatting import fmt_money, fmt_price, fmt_qty

register = template.Library()
register.filter("qty", fmt_qty)
register.filter("money", fmt_money)
register.filter("price", fmt_price)
