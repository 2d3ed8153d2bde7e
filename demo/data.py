"""The demo company 华东商贸 as plain tables: units, categories, warehouses, suppliers, customers,
the product families its catalogue is generated from, and the demo users.

Nothing here touches the database; demo.catalog turns these tables into a deterministic plan and
the load_demo command writes what is missing. Append rows at the end of a family: SKUs are
numbered by position."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """A run of similar goods: what they share (category, units, tracking, suppliers, demand) and
    one row per item: (name, spec, cost per base unit in yuan[, overrides]). Overrides may set
    factor, base, case, shelf_life, tracking, pack_qty, barcode (False: none) and buy (True: bought
    in the case unit)."""

    prefix: str  # SKUs are prefix-0001, prefix-0002 … in row order
    category: str
    item_type: str
    tracking: str
    base: str
    rows: tuple
    case: str | None = "CTN"
    factor: str = "24"  # base units per case
    shelf_life: int | None = None
    lead_time: int = 3
    suppliers: tuple[str, ...] = ()  # the first is the usual preferred one
    cases_per_day: tuple[float, float] = (0.5, 4.0)  # demand, in cases (base units without a case)
    safety_days: int = 3
    review_days: int = 14
    buy_in_case: bool = True
    sell_in_case: bool = True
    pack_qty: str = "1"  # when bought in the base unit: orders are rounded to this
    moq: tuple[str, ...] = ("5", "10", "20")
    barcode_rate: float = 1.0
    case_barcode_rate: float = 0.4
    notes: str = ""
    breaks: tuple[tuple[str, str], ...] = (("50", "0.98"), ("100", "0.96"))  # (from qty, share of price)
    break_rate: float = 0.5
    extra_units: tuple[tuple[str, str], ...] = ()  # (unit, factor), e.g. 1 提 = 6


MERCH, RAW, SEMI, FINISHED, SPARE = "merchandise", "raw", "semi", "finished", "spare"
NONE, BATCH, EXPIRY = "none", "batch", "batch_expiry"

# Tables read best one row per line.
# fmt: off
COMPANY = "华东商贸"

# One shared password for every demo user, printed by `manage.py load_demo --print-logins`.
DEMO_PASSWORD = "jxc-demo-2026"  # noqa: S105 - a documented demo password, not a secret

# username, display name, role (auth group), warehouse codes, e-mail, phone
USERS = (
    ("lina", "李娜", "purchasing", (), "lina@huadong.example", "13816620451"),
    ("chenchen", "陈晨", "sales", (), "chenchen@huadong.example", "13917735208"),
    ("wangqiang", "王强", "warehouse_clerk", ("SH01", "SZ01"), "wangqiang@huadong.example", "13761142987"),
    ("zhaomin", "赵敏", "warehouse_clerk", ("HZ01",), "zhaomin@huadong.example", "15868103376"),
    ("zhang", "张总", "manager", (), "zhang@huadong.example", "13601785566"),
    ("qianli", "钱丽", "finance", (), "qianli@huadong.example", "13585216630"),
    ("admin", "管理员", "administrator", (), "it@huadong.example", ""),
)

# code, name
UNITS = (
    ("PCS", "个"), ("BTL", "瓶"), ("CTN", "箱"), ("BAG", "袋"), ("KG", "千克"), ("PKT", "包"), ("ROLL", "卷"),
    ("DRUM", "桶"), ("BOX", "盒"), ("CAN", "罐"), ("CUP", "杯"), ("SET", "套"), ("TUBE", "支"), ("BAR", "块"),
    ("STRIP", "条"), ("TI", "提"), ("BUNDLE", "捆"), ("PAIR", "副"), ("DOZEN", "打"), ("M", "米"),
)

# code, name, parent code (parents before their children)
CATEGORIES = (
    ("FOOD", "食品饮料", None),
    ("FOOD-DAIRY", "乳制品", "FOOD"),
    ("FOOD-BEV", "饮料", "FOOD"),
    ("FOOD-BEV-WATER", "包装饮用水", "FOOD-BEV"),
    ("FOOD-BEV-SODA", "碳酸饮料", "FOOD-BEV"),
    ("FOOD-BEV-TEA", "茶饮料", "FOOD-BEV"),
    ("FOOD-BEV-JUICE", "果汁及植物蛋白饮料", "FOOD-BEV"),
    ("FOOD-BEV-ENERGY", "功能饮料", "FOOD-BEV"),
    ("FOOD-SNACK", "休闲零食", "FOOD"),
    ("FOOD-GRAIN", "粮油调味", "FOOD"),
    ("FOOD-FROZEN", "速冻食品", "FOOD"),
    ("DAILY", "日用百货", None),
    ("DAILY-CLEAN", "清洁用品", "DAILY"),
    ("DAILY-CARE", "个护", "DAILY"),
    ("DAILY-PAPER", "纸品", "DAILY"),
    ("PACK", "包装材料", None),
    ("PACK-CARTON", "纸箱", "PACK"),
    ("PACK-TAPE", "胶带与缠绕膜", "PACK"),
    ("PACK-LABEL", "标签与快递袋", "PACK"),
    ("SPARE", "设备备件", None),
    ("SPARE-BEARING", "轴承", "SPARE"),
    ("SPARE-DRIVE", "皮带与传动件", "SPARE"),
    ("SPARE-ELEC", "电气元件", "SPARE"),
    ("SPARE-FORKLIFT", "叉车配件", "SPARE"),
    ("SPARE-SAFETY", "劳保与工具", "SPARE"),
    ("OWN", "自有品牌", None),
    ("OWN-RAW", "坚果果干原料", "OWN"),
    ("OWN-SEMI", "分装半成品", "OWN"),
    ("OWN-GIFT", "华东优选成品", "OWN"),
)

# code, name, address, zones: (zone code, zone name, aisles, bins per aisle)
WAREHOUSES = (
    ("SH01", "上海总仓", "上海市闵行区浦江镇联航路1588号",
     (("A", "常温区", 6, 8), ("C", "冷藏区", 3, 6), ("R", "退货区", 1, 4))),
    ("SZ01", "苏州分仓", "江苏省苏州市相城区黄埭镇春兴路88号",
     (("A", "常温区", 4, 6), ("P", "包材区", 2, 5), ("S", "备件区", 2, 5))),
    ("HZ01", "杭州前置仓", "浙江省杭州市余杭区仓前街道文一西路1500号",
     (("A", "常温区", 3, 6), ("C", "冷藏区", 2, 4))),
)

# code, name
PRICE_LEVELS = (("RETAIL", "零售价"), ("WHOLESALE", "批发价"), ("DISTRIBUTOR", "经销价"))

# Sales prices (excluding tax) of the goods the company sells (merchandise and its own finished
# goods), per sales unit: the item's cost (FAMILIES) × the level's markup, plus a per-item margin
# of up to SALES_MARGIN_SPREAD on every level, so retail > wholesale > distributor for every item.
# Breaks: from that many sales units (cases) upward, that share of the level's price.
SALES_MARKUPS = (("DISTRIBUTOR", "1.08"), ("WHOLESALE", "1.16"), ("RETAIL", "1.30"))
SALES_MARGIN_SPREAD = "0.05"
SALES_PRICE_BREAKS = {
    "DISTRIBUTOR": (("50", "0.98"), ("200", "0.96")),
    "WHOLESALE": (("100", "0.98"),),
    "RETAIL": (),
}

# code, name, contact, phone, address, payment terms (days), default lead time (days), rating
SUPPLIERS = (
    ("S001", "华东食品有限公司", "周建国", "021-64852210", "上海市徐汇区漕宝路1015号", 30, 3, "4.6"),
    ("S002", "上海鲜乳供应链有限公司", "孙丽", "021-54170388", "上海市松江区九亭镇沪亭北路218号", 15, 1, "4.8"),
    ("S003", "杭州饮品批发有限公司", "钱伟", "0571-86735120", "浙江省杭州市拱墅区石祥路71号", 30, 3, "4.3"),
    ("S004", "上海日化批发有限公司", "吴敏", "021-56631478", "上海市普陀区真北路2130号", 45, 4, "4.1"),
    ("S005", "苏州包装材料厂", "郑海", "0512-65920837", "江苏省苏州市吴中区木渎镇金桥路26号", 30, 5, "4.0"),
    ("S006", "昆山纸业有限公司", "冯涛", "0512-57702296", "江苏省昆山市周市镇横长泾路300号", 60, 6, "3.8"),
    ("S007", "无锡轴承机电有限公司", "陈刚", "0510-82415563", "江苏省无锡市梁溪区通扬路128号", 30, 10, "4.4"),
    ("S008", "上海正泰电气经销部", "褚明", "021-37791205", "上海市松江区思贤路3255号", 30, 7, "4.5"),
    ("S009", "宁波甬江五金工具有限公司", "卫东", "0574-87312649", "浙江省宁波市江北区环城北路西段168号", 30, 12, "3.9"),
    ("S010", "南京粮油贸易有限公司", "蒋华", "025-84605512", "江苏省南京市秦淮区中山南路455号", 30, 4, "4.2"),
    ("S011", "嘉兴冷链食品有限公司", "沈婷", "0573-82267018", "浙江省嘉兴市南湖区东栅街道亚太路99号", 15, 2, "4.7"),
    ("S012", "江苏坚果原料有限公司", "韩磊", "0513-85521937", "江苏省南通市崇川区青年东路86号", 60, 20, "4.0"),
    ("S013", "常州个护用品有限公司", "杨洁", "0519-86690453", "江苏省常州市武进区湖塘镇人民路12号", 45, 5, "4.2"),
    ("S014", "合肥休闲食品厂", "朱斌", "0551-63378219", "安徽省合肥市蜀山区长江西路688号", 30, 5, "3.7"),
    ("S015", "义乌日用百货批发中心", "秦峰", "0579-85412276", "浙江省义乌市福田街道篁园路1号", 0, 6, "3.6"),
    ("S016", "温州标签印刷厂", "许晨", "0577-88163540", "浙江省温州市龙湾区永中街道永宁西路57号", 30, 7, "4.1"),
)

# How each supplier's own item numbers begin (pinyin initials of the name).
SUPPLIER_SKU_PREFIX = {
    "S001": "HDSP", "S002": "SHXR", "S003": "HZYP", "S004": "SHRH", "S005": "SZBZ", "S006": "KSZY",
    "S007": "WXZC", "S008": "ZTDQ", "S009": "NBWJ", "S010": "NJLY", "S011": "JXLL", "S012": "JSJG",
    "S013": "CZGH", "S014": "HFXX", "S015": "YWBH", "S016": "WZBQ",
}

# code, name, channel, price level, credit limit (yuan; 0 = cash only), payment terms (days), city
CUSTOMERS = (
    ("K001", "百家惠便利店（徐家汇店）", "store", "WHOLESALE", 30000, 30, "上海市徐汇区"),
    ("K002", "百家惠便利店（七宝店）", "store", "WHOLESALE", 30000, 30, "上海市闵行区"),
    ("K003", "邻里佳超市（闵行店）", "store", "WHOLESALE", 80000, 30, "上海市闵行区"),
    ("K004", "乐客多超市（松江店）", "store", "WHOLESALE", 120000, 30, "上海市松江区"),
    ("K005", "万家福生活超市（苏州园区店）", "store", "WHOLESALE", 150000, 45, "江苏省苏州市工业园区"),
    ("K006", "万家福生活超市（吴中店）", "store", "WHOLESALE", 100000, 45, "江苏省苏州市吴中区"),
    ("K007", "鲜丰汇生活超市（西湖店）", "store", "WHOLESALE", 90000, 30, "浙江省杭州市西湖区"),
    ("K008", "鲜丰汇生活超市（滨江店）", "store", "WHOLESALE", 90000, 30, "浙江省杭州市滨江区"),
    ("K009", "惠民便利店（嘉定店）", "store", "WHOLESALE", 20000, 15, "上海市嘉定区"),
    ("K010", "同心超市（昆山店）", "store", "WHOLESALE", 60000, 30, "江苏省昆山市"),
    ("K011", "家和便利（宝山店）", "store", "RETAIL", 0, 0, "上海市宝山区"),
    ("K012", "优品汇超市（无锡店）", "store", "WHOLESALE", 70000, 30, "江苏省无锡市梁溪区"),
    ("K013", "金桥社区超市", "store", "WHOLESALE", 40000, 30, "上海市浦东新区"),
    ("K014", "新城百货超市（常州店）", "store", "WHOLESALE", 110000, 45, "江苏省常州市新北区"),
    ("K015", "平价生活超市（嘉兴店）", "store", "WHOLESALE", 50000, 30, "浙江省嘉兴市南湖区"),
    ("K016", "鲜到家社区团购", "ecommerce", "DISTRIBUTOR", 300000, 30, "上海市长宁区"),
    ("K017", "每日拼团（华东区）", "ecommerce", "DISTRIBUTOR", 500000, 30, "浙江省杭州市余杭区"),
    ("K018", "快购到家电子商务有限公司", "ecommerce", "WHOLESALE", 200000, 30, "江苏省苏州市姑苏区"),
    ("K019", "悦购直播电商", "ecommerce", "WHOLESALE", 100000, 15, "浙江省杭州市上城区"),
    ("K020", "优鲜仓网店", "ecommerce", "WHOLESALE", 50000, 15, "上海市杨浦区"),
    ("K021", "江苏润华商贸有限公司", "distribution", "DISTRIBUTOR", 800000, 60, "江苏省南京市江宁区"),
    ("K022", "浙江恒源食品经销有限公司", "distribution", "DISTRIBUTOR", 1000000, 60, "浙江省绍兴市越城区"),
    ("K023", "安徽徽商食品配送有限公司", "distribution", "DISTRIBUTOR", 600000, 45, "安徽省合肥市包河区"),
    ("K024", "南通鑫达商贸有限公司", "distribution", "DISTRIBUTOR", 400000, 45, "江苏省南通市崇川区"),
    ("K025", "宁波海曙联合贸易有限公司", "distribution", "DISTRIBUTOR", 500000, 60, "浙江省宁波市海曙区"),
    ("K026", "无锡锡惠食品经销部", "distribution", "DISTRIBUTOR", 300000, 45, "江苏省无锡市惠山区"),
    ("K027", "常州金盛商贸有限公司", "distribution", "DISTRIBUTOR", 350000, 45, "江苏省常州市天宁区"),
    ("K028", "温州瓯江贸易有限公司", "distribution", "DISTRIBUTOR", 450000, 60, "浙江省温州市鹿城区"),
    ("K029", "西郊批发市场 张记副食", "wholesale", "WHOLESALE", 50000, 15, "上海市长宁区"),
    ("K030", "铜川路市场 李氏粮油", "wholesale", "WHOLESALE", 30000, 15, "上海市普陀区"),
    ("K031", "南环桥市场 王记批发", "wholesale", "WHOLESALE", 60000, 15, "江苏省苏州市姑苏区"),
    ("K032", "勾庄农副产品市场 陈氏商行", "wholesale", "WHOLESALE", 40000, 15, "浙江省杭州市余杭区"),
    ("K033", "嘉兴副食品批发市场 刘记", "wholesale", "WHOLESALE", 0, 0, "浙江省嘉兴市秀洲区"),
    ("K034", "篁园市场 周氏日杂", "wholesale", "WHOLESALE", 25000, 15, "浙江省义乌市"),
    ("K035", "昆山农副产品批发市场 赵记", "wholesale", "WHOLESALE", 20000, 7, "江苏省昆山市"),
    ("K036", "上海浦江工业园区职工食堂", "other", "RETAIL", 80000, 30, "上海市闵行区"),
    ("K037", "苏州科创电子有限公司（工会福利）", "other", "RETAIL", 150000, 30, "江苏省苏州市工业园区"),
    ("K038", "杭州明德学校食堂", "other", "RETAIL", 60000, 30, "浙江省杭州市拱墅区"),
    ("K039", "上海迅达物流有限公司（员工福利）", "other", "RETAIL", 100000, 30, "上海市青浦区"),
    ("K040", "上海康宁养老院", "other", "RETAIL", 30000, 30, "上海市奉贤区"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
GIVEN_NAMES = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "志强", "海燕", "晓东", "丹", "鹏", "婷",
)
STREETS = ("人民路", "中山路", "解放路", "建设路", "长江路", "和平路", "新华路", "环城路", "工业路", "青年路")

FAMILIES = (
    Family(
        "DAI", "FOOD-DAIRY", MERCH, EXPIRY, "BOX", shelf_life=180, lead_time=2, suppliers=("S002", "S001"),
        cases_per_day=(1.0, 8.0), extra_units=(("TI", "6"),),
        rows=(
            ("光明纯牛奶", "250ml", "2.60"),
            ("伊利纯牛奶", "250ml", "2.75"),
            ("蒙牛纯牛奶", "250ml", "2.70"),
            ("三元纯牛奶", "250ml", "2.50"),
            ("君乐宝纯牛奶", "250ml", "2.30"),
            ("新希望纯牛奶", "200ml", "2.10"),
            ("伊利金典有机纯牛奶", "250ml", "4.80", {"factor": "12"}),
            ("蒙牛特仑苏纯牛奶", "250ml", "4.90", {"factor": "12"}),
            ("光明优加纯牛奶", "250ml", "3.90", {"factor": "12"}),
            ("伊利高钙低脂牛奶", "250ml", "2.90"),
            ("蒙牛高钙牛奶", "250ml", "2.80"),
            ("光明低脂牛奶", "250ml", "2.70"),
            ("伊利安慕希原味酸奶", "205g", "4.20", {"factor": "12", "base": "BTL", "shelf_life": 150}),
            ("蒙牛纯甄原味酸奶", "200g", "4.00", {"factor": "12", "shelf_life": 150}),
            ("光明莫斯利安原味酸奶", "200g", "4.10", {"factor": "12", "shelf_life": 150}),
            ("伊利QQ星儿童成长牛奶", "190ml", "3.30", {"factor": "16"}),
            ("旺仔牛奶", "245ml", "3.20", {"base": "CAN", "shelf_life": 365}),
            ("娃哈哈AD钙奶", "220g", "1.30", {"base": "BTL", "shelf_life": 270}),
            ("维他奶原味豆奶", "250ml", "2.40", {"shelf_life": 270}),
        ),
    ),
    Family(
        "DAF", "FOOD-DAIRY", MERCH, EXPIRY, "BTL", factor="12", shelf_life=15, lead_time=1,
        suppliers=("S002", "S011"), cases_per_day=(1.0, 6.0), safety_days=1, review_days=3,
        notes="冷藏 2–6℃", case_barcode_rate=0.2, break_rate=0.2,
        rows=(
            ("光明优倍鲜牛奶", "950ml", "12.50"),
            ("光明鲜牛奶", "450ml", "6.80"),
            ("新希望今日鲜奶铺", "950ml", "11.80", {"shelf_life": 10}),
            ("蒙牛每日鲜语鲜牛奶", "950ml", "13.80"),
            ("三元鲜牛乳", "900ml", "11.00", {"shelf_life": 12}),
            ("简爱原味裸酸奶", "135g", "5.20", {"base": "CUP", "shelf_life": 21}),
            ("卡士原味酸奶", "120g", "4.80", {"base": "CUP", "shelf_life": 21}),
            ("光明如实发酵乳", "135g", "4.60", {"base": "CUP", "shelf_life": 21}),
            ("君乐宝简醇零蔗糖酸奶", "150g", "3.20", {"base": "CUP", "shelf_life": 21}),
            ("伊利畅轻燕麦酸奶", "250g", "6.20", {"shelf_life": 21}),
            ("蒙牛冠益乳原味酸奶", "250g", "6.00", {"shelf_life": 21}),
            ("妙可蓝多原味奶酪棒", "500g", "38.00", {"base": "BAG", "shelf_life": 180}),
            ("光明黄油", "227g", "19.50", {"base": "BOX", "factor": "24", "shelf_life": 270}),
        ),
    ),
    Family(
        "BWT", "FOOD-BEV-WATER", MERCH, EXPIRY, "BTL", shelf_life=730, suppliers=("S003", "S001"),
        cases_per_day=(2.0, 15.0), break_rate=0.8,
        rows=(
            ("农夫山泉饮用天然水", "550ml", "1.05"),
            ("农夫山泉饮用天然水", "1.5L", "2.20", {"factor": "12"}),
            ("农夫山泉饮用天然水", "5L", "6.00", {"factor": "4", "base": "DRUM"}),
            ("怡宝纯净水", "555ml", "1.00"),
            ("怡宝纯净水", "1.555L", "2.10", {"factor": "12"}),
            ("百岁山饮用天然矿泉水", "570ml", "1.75"),
            ("康师傅包装饮用水", "550ml", "0.75"),
            ("娃哈哈纯净水", "596ml", "0.85"),
            ("依云天然矿泉水", "500ml", "7.50"),
            ("冰露纯悦包装饮用水", "550ml", "0.70"),
        ),
    ),
    Family(
        "BSD", "FOOD-BEV-SODA", MERCH, EXPIRY, "CAN", shelf_life=365, suppliers=("S003", "S001"),
        cases_per_day=(1.0, 10.0), extra_units=(("TI", "6"),),
        rows=(
            ("可口可乐", "330ml", "1.70"),
            ("可口可乐", "500ml", "2.30", {"base": "BTL"}),
            ("可口可乐", "2L", "5.20", {"base": "BTL", "factor": "6"}),
            ("百事可乐", "330ml", "1.65"),
            ("雪碧", "330ml", "1.70"),
            ("芬达橙味汽水", "500ml", "2.30", {"base": "BTL"}),
            ("七喜柠檬味汽水", "330ml", "1.60"),
            ("元气森林苏打气泡水 白桃味", "480ml", "3.50", {"base": "BTL", "factor": "15"}),
            ("元气森林苏打气泡水 青瓜味", "480ml", "3.50", {"base": "BTL", "factor": "15"}),
            ("北冰洋橙汁汽水", "330ml", "3.20"),
            ("屈臣氏苏打水", "330ml", "2.60"),
        ),
    ),
    Family(
        "BTE", "FOOD-BEV-TEA", MERCH, EXPIRY, "BTL", factor="15", shelf_life=365, suppliers=("S003", "S001"),
        cases_per_day=(1.0, 8.0),
        rows=(
            ("康师傅冰红茶", "500ml", "2.10"),
            ("康师傅绿茶", "500ml", "2.10"),
            ("统一冰红茶", "500ml", "2.05"),
            ("统一绿茶", "500ml", "2.05"),
            ("农夫山泉东方树叶茉莉花茶", "500ml", "3.40"),
            ("农夫山泉东方树叶乌龙茶", "500ml", "3.40"),
            ("三得利乌龙茶 无糖", "500ml", "3.30"),
            ("王老吉凉茶", "310ml", "2.60", {"base": "CAN", "factor": "24"}),
            ("加多宝凉茶", "310ml", "2.60", {"base": "CAN", "factor": "24"}),
            ("农夫山泉茶π柠檬红茶", "500ml", "3.40"),
            ("统一小茗同学冷泡茶", "480ml", "3.20"),
            ("康师傅茉莉蜜茶", "500ml", "2.10"),
        ),
    ),
    Family(
        "BJC", "FOOD-BEV-JUICE", MERCH, EXPIRY, "BOX", factor="12", shelf_life=365, suppliers=("S003", "S001"),
        cases_per_day=(0.5, 5.0),
        rows=(
            ("汇源100%橙汁", "1L", "8.50"),
            ("汇源100%苹果汁", "1L", "8.20"),
            ("美汁源果粒橙", "420ml", "2.80", {"base": "BTL"}),
            ("农夫果园30%混合果蔬汁", "500ml", "3.60", {"base": "BTL", "factor": "15"}),
            ("椰树椰汁", "245ml", "2.70", {"base": "CAN", "factor": "24", "shelf_life": 540}),
            ("露露杏仁露", "240ml", "2.80", {"base": "CAN", "factor": "20", "shelf_life": 540}),
            ("养元六个核桃", "240ml", "2.90", {"base": "CAN", "factor": "20", "shelf_life": 540}),
            ("维他柠檬茶", "250ml", "2.50", {"factor": "24", "shelf_life": 270}),
        ),
    ),
    Family(
        "BEN", "FOOD-BEV-ENERGY", MERCH, EXPIRY, "BTL", factor="15", shelf_life=540, suppliers=("S003",),
        cases_per_day=(0.5, 6.0),
        rows=(
            ("红牛维生素功能饮料", "250ml", "4.20", {"base": "CAN", "factor": "24"}),
            ("东鹏特饮", "500ml", "3.40", {"factor": "24"}),
            ("脉动 青柠口味", "600ml", "3.10"),
            ("佳得乐 橙味", "600ml", "3.60"),
            ("战马能量型维生素饮料", "310ml", "3.60", {"base": "CAN", "factor": "24"}),
            ("外星人电解质水 荔枝海盐味", "500ml", "3.90"),
        ),
    ),
    Family(
        "SNK", "FOOD-SNACK", MERCH, EXPIRY, "BAG", factor="24", shelf_life=270, suppliers=("S001", "S014"),
        cases_per_day=(0.3, 4.0),
        rows=(
            ("乐事薯片 原味", "70g", "5.20", {"factor": "22"}),
            ("乐事薯片 黄瓜味", "70g", "5.20", {"factor": "22"}),
            ("乐事薯片 墨西哥鸡汁番茄味", "70g", "5.20", {"factor": "22"}),
            ("可比克薯片 烧烤味", "60g", "3.20", {"factor": "30"}),
            ("品客薯片 原味", "110g", "8.50", {"base": "CAN", "factor": "12", "shelf_life": 365}),
            ("旺旺雪饼", "84g", "4.60"),
            ("旺旺仙贝", "52g", "3.20"),
            ("奥利奥夹心饼干 原味", "97g", "4.80", {"shelf_life": 365}),
            ("趣多多巧克力曲奇", "85g", "4.60", {"shelf_life": 365}),
            ("好丽友巧克力派 6枚", "204g", "9.80", {"base": "BOX", "factor": "12", "shelf_life": 240}),
            ("达利园蛋黄派", "300g", "9.20", {"factor": "12", "shelf_life": 180}),
            ("达利园法式软面包 香奶味", "200g", "7.80", {"factor": "16", "shelf_life": 120}),
            ("盼盼法式小面包", "200g", "7.40", {"factor": "16", "shelf_life": 120}),
            ("康师傅3+2苏打夹心饼干 柠檬味", "125g", "4.40", {"shelf_life": 365}),
            ("德芙丝滑牛奶巧克力", "43g", "5.60", {"base": "BAR", "factor": "48", "shelf_life": 365}),
            ("士力架花生夹心巧克力", "51g", "3.90", {"base": "BAR", "factor": "48", "shelf_life": 365}),
            ("卫龙大面筋", "102g", "3.60", {"factor": "40", "shelf_life": 180}),
            ("卫龙亲嘴烧 麦辣鸡汁味", "260g", "11.50", {"factor": "20", "shelf_life": 180}),
            ("三只松鼠每日坚果", "750g（30袋）", "89.00", {"base": "BOX", "factor": "6", "shelf_life": 180}),
            ("三只松鼠夏威夷果 奶油味", "265g", "19.80", {"factor": "20", "shelf_life": 240}),
            ("良品铺子猪肉脯 原味", "100g", "16.50", {"factor": "40", "shelf_life": 180}),
            ("良品铺子芒果干", "108g", "11.50", {"factor": "40", "shelf_life": 300}),
            ("洽洽香瓜子", "260g", "9.80", {"factor": "20"}),
            ("甘源蟹黄味瓜子仁", "285g", "11.80", {"factor": "20"}),
            ("上好佳鲜虾片", "40g", "2.40", {"factor": "40", "shelf_life": 300}),
            ("大白兔奶糖", "114g", "7.80", {"factor": "48", "shelf_life": 540}),
            ("阿尔卑斯棒棒糖 什锦口味", "20支", "10.50", {"factor": "24", "shelf_life": 540}),
            ("徐福记酥心糖 混合口味", "500g", "22.80", {"factor": "12", "shelf_life": 365}),
            ("旺仔QQ糖 水果味", "70g", "3.50", {"factor": "48", "shelf_life": 365}),
            ("好丽友薯愿 香烤原味", "104g", "8.90", {"factor": "20"}),
            ("绿箭口香糖 薄荷味", "40粒", "9.80", {"base": "BOX", "factor": "36", "shelf_life": 540}),
        ),
    ),
    Family(
        "GRN", "FOOD-GRAIN", MERCH, EXPIRY, "BTL", factor="12", shelf_life=540, lead_time=4,
        suppliers=("S010", "S001"), cases_per_day=(0.3, 3.0),
        rows=(
            ("金龙鱼黄金比例食用调和油", "5L", "62.00", {"base": "DRUM", "factor": "4"}),
            ("金龙鱼精炼一级大豆油", "5L", "55.00", {"base": "DRUM", "factor": "4"}),
            ("福临门一级大豆油", "5L", "52.00", {"base": "DRUM", "factor": "4"}),
            ("鲁花5S压榨一级花生油", "5L", "158.00", {"base": "DRUM", "factor": "4"}),
            ("胡姬花古法花生油", "5L", "145.00", {"base": "DRUM", "factor": "4"}),
            ("多力葵花籽油", "5L", "89.00", {"base": "DRUM", "factor": "4"}),
            ("海天金标生抽", "1.28L", "13.50", {"factor": "6", "shelf_life": 720}),
            ("海天味极鲜酱油", "500ml", "7.80", {"shelf_life": 720}),
            ("海天老抽王", "500ml", "7.20", {"shelf_life": 720}),
            ("海天上等蚝油", "700g", "9.60"),
            ("李锦记薄盐生抽", "500ml", "11.20", {"shelf_life": 720}),
            ("李锦记旧庄特级蚝油", "510g", "14.50"),
            ("千禾零添加酱油", "1L", "16.80", {"factor": "6", "shelf_life": 720}),
            ("恒顺香醋", "500ml", "6.80", {"shelf_life": 720}),
            ("老干妈风味豆豉油制辣椒", "280g", "9.80", {"factor": "24", "shelf_life": 730}),
            ("太太乐鸡精", "200g", "7.20", {"base": "BAG", "factor": "20"}),
            ("中盐加碘精制盐", "400g", "2.30", {"base": "BAG", "factor": "40", "shelf_life": 1095}),
            ("王守义十三香", "45g", "3.80", {"base": "BOX", "factor": "100", "shelf_life": 730}),
            ("安琪高活性干酵母", "100g", "6.50", {"base": "BAG", "factor": "50", "shelf_life": 730}),
            ("十月稻田五常大米", "5kg", "62.00", {"base": "BAG", "factor": "4", "shelf_life": 365}),
            ("金龙鱼东北大米", "10kg", "58.00", {"base": "BAG", "factor": "2", "shelf_life": 365}),
            ("福临门泰国茉莉香米", "5kg", "56.00", {"base": "BAG", "factor": "4", "shelf_life": 365}),
            ("金沙河龙须挂面", "1kg", "6.40", {"base": "BAG", "factor": "10", "shelf_life": 365}),
            ("康师傅红烧牛肉面 五连包", "103g×5", "12.50", {"base": "PKT", "factor": "6", "shelf_life": 180}),
            ("统一老坛酸菜牛肉面 五连包", "121g×5", "12.80", {"base": "PKT", "factor": "6", "shelf_life": 180}),
            ("海天黄豆酱", "800g", "9.90"),
            ("太太乐鲜鸡汁", "238g", "11.50", {"factor": "24"}),
            ("金龙鱼高筋小麦粉", "5kg", "32.00", {"base": "BAG", "factor": "4", "shelf_life": 365}),
        ),
    ),
    Family(
        "FRZ", "FOOD-FROZEN", MERCH, EXPIRY, "BAG", factor="10", shelf_life=365, lead_time=2,
        suppliers=("S011",), cases_per_day=(0.3, 3.0), notes="冷冻 -18℃以下",
        rows=(
            ("思念水饺 猪肉白菜", "1kg", "19.80"),
            ("湾仔码头水饺 玉米猪肉", "720g", "26.50"),
            ("三全汤圆 黑芝麻", "500g", "10.80", {"factor": "20"}),
            ("思念手抓饼 原味", "900g", "17.50", {"factor": "8"}),
            ("安井鱼丸", "400g", "11.20", {"factor": "20"}),
            ("安井撒尿牛丸", "400g", "15.60", {"factor": "20"}),
            ("广州酒家叉烧包", "360g", "18.90", {"factor": "12", "shelf_life": 270}),
            ("三全灌汤小笼包", "450g", "14.50", {"factor": "12"}),
            ("八喜冰淇淋 香草味", "550g", "29.00", {"base": "BOX", "factor": "6", "shelf_life": 540}),
            ("伊利巧乐兹 经典巧克力", "75g", "3.20", {"base": "PCS", "factor": "40", "shelf_life": 540}),
        ),
    ),
    Family(
        "CLN", "DAILY-CLEAN", MERCH, BATCH, "BTL", factor="8", lead_time=4, suppliers=("S004", "S015"),
        cases_per_day=(0.2, 2.0), sell_in_case=False, safety_days=5, review_days=21,
        rows=(
            ("白猫经典洗洁精", "1.5kg", "9.20"),
            ("立白新金桔洗洁精", "1.5kg", "9.80"),
            ("雕牌超效加浓洗洁精", "1.5kg", "8.90"),
            ("蓝月亮深层洁净洗衣液", "3kg", "39.00", {"factor": "4"}),
            ("蓝月亮亮白增艳洗衣液", "1kg", "15.50", {"factor": "12"}),
            ("超能植翠低泡洗衣液", "2kg", "24.50", {"factor": "6"}),
            ("奥妙全自动洗衣粉", "1.7kg", "19.80", {"base": "BAG", "factor": "8"}),
            ("立白天然皂粉", "1.6kg", "21.50", {"base": "BAG", "factor": "8"}),
            ("雕牌透明皂", "202g×2块", "6.20", {"base": "PKT", "factor": "36"}),
            ("威猛先生厨房重油污净", "500g", "12.50", {"factor": "12"}),
            ("威猛先生洁厕液", "600g", "9.80", {"factor": "12"}),
            ("蓝月亮洁厕灵", "500g", "4.20", {"factor": "24"}),
            ("滴露消毒液", "1.2L", "42.00", {"factor": "6", "tracking": EXPIRY, "shelf_life": 1095}),
            ("安洁84消毒液", "1L", "6.50", {"factor": "12", "tracking": EXPIRY, "shelf_life": 365}),
            ("威露士衣物除菌液", "1L", "29.80", {"factor": "12", "tracking": EXPIRY, "shelf_life": 1095}),
            ("妙洁点断式垃圾袋 中号", "50只", "8.50", {"base": "PKT", "factor": "40", "tracking": NONE}),
            ("妙洁PE保鲜膜", "30cm×50m", "12.80", {"base": "ROLL", "factor": "24", "tracking": NONE}),
            ("3M思高百洁布", "10片", "9.90", {"base": "PKT", "factor": "48", "tracking": NONE}),
            ("立白除菌洗衣液", "2kg", "26.80", {"factor": "6"}),
        ),
    ),
    Family(
        "CAR", "DAILY-CARE", MERCH, EXPIRY, "BTL", factor="12", shelf_life=1095, lead_time=5,
        suppliers=("S004", "S013"), cases_per_day=(0.1, 1.5), sell_in_case=False, safety_days=5, review_days=21,
        rows=(
            ("海飞丝去屑洗发露 清爽去油型", "400ml", "39.00"),
            ("潘婷乳液修护洗发露", "400ml", "36.50"),
            ("飘柔家庭护理洗发露 兰花", "750ml", "32.00"),
            ("清扬男士去屑洗发露 活力运动", "400ml", "42.00"),
            ("沙宣修护水养洗发露", "400ml", "45.00"),
            ("舒肤佳纯白清香型香皂", "108g", "4.20", {"base": "BAR", "factor": "72"}),
            ("舒肤佳沐浴露 纯白清香", "720ml", "33.50"),
            ("六神清凉沐浴露", "1L", "29.00"),
            ("力士恒久嫩肤沐浴露", "1L", "35.00"),
            ("高露洁全面防蛀牙膏", "140g", "6.80", {"base": "TUBE", "factor": "48"}),
            ("佳洁士3D炫白牙膏", "120g", "12.50", {"base": "TUBE", "factor": "48"}),
            ("云南白药牙膏 薄荷清爽", "150g", "22.50", {"base": "TUBE", "factor": "48"}),
            ("黑人双重薄荷牙膏", "225g", "11.80", {"base": "TUBE", "factor": "36"}),
            ("中华健齿白牙膏", "200g", "7.50", {"base": "TUBE", "factor": "48"}),
            ("高露洁超细毛软毛牙刷", "3支装", "14.80", {"base": "PKT", "factor": "72", "tracking": NONE}),
            ("大宝SOD蜜", "200ml", "15.80", {"factor": "48"}),
            ("隆力奇驱蚊花露水", "195ml", "9.50", {"factor": "40"}),
            ("妮维雅男士控油洁面乳", "150g", "29.00", {"base": "TUBE", "factor": "48"}),
            ("曼秀雷敦天然植物润唇膏", "4g", "18.50", {"base": "TUBE", "factor": "144"}),
            ("蓝月亮芦荟抑菌洗手液", "500g", "12.80", {"factor": "12"}),
            ("威露士健康抑菌洗手液", "525ml", "19.90", {"factor": "12"}),
            ("舒肤佳抑菌洗手液 纯白清香", "420ml", "19.80", {"factor": "12"}),
        ),
    ),
    Family(
        "PAP", "DAILY-PAPER", MERCH, NONE, "PKT", factor="24", lead_time=6, suppliers=("S015", "S006", "S004"),
        cases_per_day=(0.3, 3.0), safety_days=5, review_days=21, case_barcode_rate=0.3,
        rows=(
            ("维达超韧抽纸", "3层100抽", "3.20"),
            ("清风原木纯品抽纸", "3层120抽", "3.50"),
            ("洁柔Face抽纸", "3层130抽", "3.90"),
            ("心相印茶语手帕纸", "4层10张×10包", "5.80", {"factor": "40"}),
            ("维达蓝色经典卷纸", "3层140g×10卷", "24.50", {"base": "TI", "factor": "6"}),
            ("清风原木纯品卷纸", "4层120g×10卷", "23.80", {"base": "TI", "factor": "6"}),
            ("洁柔商用大盘卷纸", "2层240m", "8.60", {"base": "ROLL", "factor": "12"}),
            ("维达商用擦手纸", "1层200张", "4.20", {"factor": "20"}),
            ("心相印厨房用纸", "2层75节×2卷", "9.80", {"base": "TI", "factor": "12"}),
            ("一次性纸杯", "250ml×50只", "6.50", {"factor": "40", "barcode": False}),
            ("一次性PE手套", "100只", "3.50", {"factor": "100", "barcode": False}),
        ),
    ),
    Family(
        "PKC", "PACK-CARTON", RAW, NONE, "PCS", case="BUNDLE", factor="50", lead_time=5,
        suppliers=("S005", "S006"), cases_per_day=(1.0, 8.0), buy_in_case=False, sell_in_case=False,
        pack_qty="50", moq=("500", "1000"), barcode_rate=0.0, case_barcode_rate=0.0,
        breaks=(("2000", "0.97"), ("5000", "0.94")), break_rate=0.8,
        rows=(
            ("瓦楞纸箱 三层", "30×20×15cm", "0.95"),
            ("瓦楞纸箱 三层", "35×25×20cm", "1.20"),
            ("瓦楞纸箱 三层", "40×30×25cm", "1.65"),
            ("瓦楞纸箱 五层", "45×35×30cm", "3.20", {"factor": "25", "pack_qty": "25"}),
            ("瓦楞纸箱 五层", "50×40×35cm", "3.80", {"factor": "25", "pack_qty": "25"}),
            ("瓦楞纸箱 五层", "60×40×40cm", "4.60", {"factor": "25", "pack_qty": "25"}),
            ("飞机盒 三层特硬", "25×18×6cm", "0.85", {"factor": "100", "pack_qty": "100"}),
            ("牛皮纸礼盒外箱", "42×32×12cm", "2.80", {"factor": "25", "pack_qty": "25"}),
        ),
    ),
    Family(
        "PKF", "PACK-TAPE", RAW, NONE, "ROLL", factor="36", lead_time=5, suppliers=("S005", "S015"),
        cases_per_day=(0.1, 1.0), sell_in_case=False, moq=("2", "5"), barcode_rate=0.0, case_barcode_rate=0.0,
        breaks=(("20", "0.97"), ("50", "0.95")),
        rows=(
            ("封箱胶带 透明", "48mm×100m", "3.20", {"factor": "72"}),
            ("封箱胶带 米黄色", "48mm×150m", "4.10", {"factor": "60"}),
            ("印字封箱胶带 华东商贸", "60mm×100m", "5.80", {"factor": "60"}),
            ("警示胶带 黄黑", "48mm×33m", "3.60", {"factor": "72"}),
            ("牛皮纸胶带", "48mm×50m", "4.50", {"factor": "60"}),
            ("PE缠绕膜", "50cm×300m 2.5kg", "24.00", {"factor": "6"}),
            ("气泡膜 双层加厚", "100cm×50m", "38.00", {"factor": "1", "case": None}),
            ("PP打包带 半透明", "15mm×10kg", "42.00", {"factor": "1", "case": None}),
        ),
    ),
    Family(
        "PKL", "PACK-LABEL", RAW, NONE, "ROLL", factor="50", lead_time=7, suppliers=("S016", "S005"),
        cases_per_day=(0.1, 1.0), sell_in_case=False, moq=("1", "2"), barcode_rate=0.0, case_barcode_rate=0.0,
        breaks=(("10", "0.95"),),
        rows=(
            ("热敏标签纸", "100×100mm 500张", "12.50"),
            ("热敏标签纸", "60×40mm 800张", "8.80"),
            ("三防热敏标签纸", "100×150mm 350张", "15.60", {"factor": "40"}),
            ("货位标签 可移除", "80×50mm 1000张", "32.00", {"factor": "20"}),
            ("快递袋 灰色加厚", "38×52cm 100只", "28.00", {"base": "PKT", "factor": "20"}),
            ("自封袋 PE", "20×30cm 100只", "9.50", {"base": "PKT", "factor": "50"}),
            ("防潮珠光膜袋", "25×35cm 100只", "26.00", {"base": "PKT", "factor": "20"}),
        ),
    ),
    Family(
        "BRG", "SPARE-BEARING", SPARE, NONE, "PCS", case="BOX", factor="10", lead_time=10,
        suppliers=("S007",), cases_per_day=(0.02, 0.3), safety_days=14, review_days=60, buy_in_case=False,
        sell_in_case=False, moq=("1", "5", "10"), barcode_rate=0.2, case_barcode_rate=0.0,
        breaks=(("10", "0.95"), ("50", "0.90")), break_rate=0.6,
        rows=(
            ("深沟球轴承 SKF", "6204-2RSH", "38.00"),
            ("深沟球轴承 SKF", "6205-2RSH", "45.00"),
            ("深沟球轴承 SKF", "6206-2RSH", "58.00"),
            ("深沟球轴承 NSK", "6204ZZ", "28.00"),
            ("深沟球轴承 NSK", "6305DDU", "42.00"),
            ("深沟球轴承 哈轴HRB", "6204-2Z", "9.50"),
            ("深沟球轴承 哈轴HRB", "6205-2Z", "11.20"),
            ("深沟球轴承 哈轴HRB", "6306-2RZ", "19.80"),
            ("深沟球轴承 人本C&U", "6004-2RS", "6.80"),
            ("深沟球轴承 人本C&U", "6008-2RS", "12.60"),
            ("带座外球面轴承 FYH", "UCP205", "68.00", {"factor": "1", "case": None}),
            ("圆锥滚子轴承 瓦轴ZWZ", "30205", "24.50"),
        ),
    ),
    Family(
        "DRV", "SPARE-DRIVE", SPARE, NONE, "STRIP", case=None, factor="1", lead_time=10, suppliers=("S007", "S009"),
        cases_per_day=(0.05, 0.6), safety_days=14, review_days=60, moq=("1", "2", "5"), barcode_rate=0.0,
        case_barcode_rate=0.0, breaks=(("20", "0.93"),), break_rate=0.4,
        rows=(
            ("三角带 三维", "A-1200Li", "18.50"),
            ("三角带 三维", "B-1500Li", "26.00"),
            ("三角带 盖茨", "B-1800Li", "48.00"),
            ("同步带 盖茨", "5M-450-15", "62.00"),
            ("输送机平皮带 PVC", "500mm×2mm", "85.00", {"base": "M"}),
            ("滚子链 杭州东华", "08B-1 5m", "96.00"),
            ("输送线托辊", "φ50×500mm", "35.00", {"base": "PCS"}),
        ),
    ),
    Family(
        "ELC", "SPARE-ELEC", SPARE, NONE, "PCS", case="BOX", factor="10", lead_time=7, suppliers=("S008",),
        cases_per_day=(0.02, 0.3), safety_days=14, review_days=60, buy_in_case=False, sell_in_case=False,
        moq=("1", "5", "10"), barcode_rate=0.5, case_barcode_rate=0.0, breaks=(("20", "0.92"),),
        rows=(
            ("交流接触器 正泰", "CJX2-1810 220V", "38.00"),
            ("交流接触器 正泰", "CJX2-3210 380V", "66.00"),
            ("小型断路器 正泰", "DZ47-63 C32 2P", "21.00"),
            ("小型断路器 正泰", "DZ47-63 C16 1P", "9.80", {"factor": "12"}),
            ("热过载继电器 正泰", "NR2-25 9-13A", "58.00"),
            ("中间继电器 正泰", "JZX-22F(D)/4Z 24VDC", "7.50", {"factor": "20"}),
            ("漫反射光电开关 欧姆龙", "E3F-DS30C4", "32.00"),
            ("电感式接近开关", "LJ12A3-4-Z/BX", "14.50"),
            ("LED投光灯 三雄极光", "100W 6500K", "118.00", {"factor": "1", "case": None}),
            ("急停按钮 正泰", "NP2-BS542", "16.50"),
        ),
    ),
    Family(
        "FLT", "SPARE-FORKLIFT", SPARE, NONE, "PCS", case=None, factor="1", lead_time=12, suppliers=("S009",),
        cases_per_day=(0.03, 0.3), safety_days=21, review_days=90, moq=("1", "2"), barcode_rate=0.0,
        case_barcode_rate=0.0, break_rate=0.0,
        rows=(
            ("叉车实心轮胎 正新", "6.50-10", "680.00"),
            ("叉车实心轮胎 正新", "28×9-15", "920.00"),
            ("叉车刹车片 合力", "H2000 3t", "85.00", {"base": "SET"}),
            ("叉车机油滤芯 杭叉", "R系列 2-3t", "36.00"),
            ("手动液压搬运车 聚氨酯轮", "180×50mm", "95.00"),
            ("叉车货叉护套", "1220mm", "260.00", {"base": "PAIR"}),
            ("抗磨液压油 长城", "L-HM 46# 18L", "265.00", {"base": "DRUM", "tracking": EXPIRY, "shelf_life": 1095}),
            ("锂基润滑脂 长城", "2# 15kg", "310.00", {"base": "DRUM", "tracking": BATCH}),
        ),
    ),
    Family(
        "SAF", "SPARE-SAFETY", SPARE, NONE, "PCS", case=None, factor="1", lead_time=6, suppliers=("S009", "S015"),
        cases_per_day=(0.2, 3.0), safety_days=10, review_days=30, moq=("10", "20"), barcode_rate=0.3,
        case_barcode_rate=0.0, breaks=(("100", "0.92"),),
        rows=(
            ("劳保手套 浸胶防滑", "均码", "3.80", {"base": "PAIR", "case": "DOZEN", "factor": "12", "buy": True}),
            ("棉纱手套", "600g", "1.20", {"base": "PAIR", "case": "DOZEN", "factor": "12", "buy": True}),
            ("防砸安全鞋 际华", "42码", "128.00"),
            ("反光背心 荧光黄", "均码", "8.50"),
            ("美工刀 得力", "18mm", "6.50"),
            ("美工刀片 得力", "18mm×10片", "4.20", {"base": "BOX"}),
            ("钢卷尺 长城精工", "5m×19mm", "12.80"),
            ("尼龙扎带", "4×200mm 100根", "5.60", {"base": "PKT"}),
            ("手持打包钳", "PP带用", "45.00"),
            ("塑料托盘 川字", "1200×1000×150mm", "168.00"),
            ("一次性防尘口罩", "50只", "15.00", {"base": "BOX"}),
        ),
    ),
    Family(
        "RAW", "OWN-RAW", RAW, EXPIRY, "KG", case="CTN", factor="10", shelf_life=365, lead_time=20,
        suppliers=("S012",), cases_per_day=(0.3, 2.0), safety_days=10, review_days=30, sell_in_case=False,
        moq=("10", "20"), barcode_rate=0.0, case_barcode_rate=0.0, breaks=(("50", "0.97"), ("100", "0.95")),
        break_rate=0.8, notes="阴凉干燥处保存",
        rows=(
            ("腰果仁 W320", "越南 原色", "58.00", {"factor": "22.68"}),
            ("巴旦木仁 加州", "NP 23/25", "62.00", {"factor": "22.68"}),
            ("核桃仁 云南", "四路 浅色", "48.00"),
            ("夏威夷果 带壳", "澳洲 22mm+", "36.00", {"factor": "12.5"}),
            ("开心果 美国", "21/25 自然开口", "88.00", {"factor": "11.34"}),
            ("榛子仁 土耳其", "11-13mm", "76.00"),
            ("南瓜子仁 东北", "AA级", "34.00", {"case": "BAG", "factor": "25"}),
            ("蔓越莓干 美国", "整颗 含糖", "32.00", {"factor": "11.34"}),
            ("葡萄干 新疆", "绿香妃 特级", "18.00", {"case": "BAG", "factor": "20"}),
            ("蓝莓干", "智利 整颗", "68.00"),
            ("白砂糖 一级", "50kg/袋", "6.20", {"case": "BAG", "factor": "50", "shelf_life": 730}),
            ("食用盐 精制", "25kg/袋", "2.10", {"case": "BAG", "factor": "25", "shelf_life": 1095}),
        ),
    ),
    Family(
        "SEM", "OWN-SEMI", SEMI, EXPIRY, "KG", case=None, factor="1", shelf_life=180, lead_time=2,
        cases_per_day=(5.0, 40.0), safety_days=3, review_days=7, barcode_rate=0.0, case_barcode_rate=0.0,
        notes="自产半成品，待分装",
        rows=(
            ("烘焙腰果（待分装）", "盐焗", "72.00"),
            ("烘焙巴旦木（待分装）", "原味", "75.00"),
            ("琥珀核桃仁（待分装）", "蜂蜜", "66.00"),
            ("混合坚果（待分装）", "六拼", "70.00"),
            ("每日坚果小袋（未装盒）", "25g/袋", "2.10", {"base": "BAG", "shelf_life": 240}),
            ("坚果礼盒内托", "PET 12格", "3.60", {"base": "SET", "tracking": NONE}),
        ),
    ),
    Family(
        "FIN", "OWN-GIFT", FINISHED, EXPIRY, "BOX", factor="6", shelf_life=240, lead_time=3,
        cases_per_day=(0.3, 3.0), safety_days=5, review_days=14,
        rows=(
            ("华东优选每日坚果礼盒", "25g×30袋", "68.00"),
            ("华东优选每日坚果周装", "25g×7袋", "16.80", {"factor": "24"}),
            ("华东优选混合坚果", "500g 罐装", "49.00", {"base": "CAN", "factor": "12"}),
            ("华东优选盐焗腰果", "250g 罐装", "32.00", {"base": "CAN", "factor": "12"}),
            ("华东优选原味巴旦木", "300g", "29.50", {"base": "BAG", "factor": "20"}),
            ("华东优选琥珀核桃仁", "260g", "27.80", {"base": "BAG", "factor": "20"}),
            ("华东优选蔓越莓混合果干", "200g", "18.50", {"base": "BAG", "factor": "30"}),
            ("华东优选新春坚果礼盒", "1.6kg 8罐", "138.00", {"factor": "4"}),
            ("华东优选中秋坚果礼盒", "1.2kg 6罐", "118.00", {"factor": "4"}),
            ("华东优选企业福利礼盒 A款", "1.5kg", "98.00", {"factor": "4"}),
            ("华东优选企业福利礼盒 B款", "2.0kg", "158.00", {"factor": "4"}),
        ),
    ),
)
# fmt: on
