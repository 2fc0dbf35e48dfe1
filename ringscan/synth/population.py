"""Synthetic people, households, places and doctors for a district (vectorised).

Everything is drawn from one ``numpy.random.Generator`` so a seed fixes the
whole district. Identifiers follow the national platform's shapes: 18-digit
resident ID numbers with a valid check digit, H/P-prefixed place codes,
D-prefixed doctor codes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Population", "Places", "make_population", "make_places", "DIAGNOSES", "DRUGS", "id_check_digit"]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文红玉志新春梅德林海波辉晓燕鹏飞宇浩婷雪琳佳欣怡子轩梓涵一诺思远")
STREETS = ["解放路", "人民路", "中山路", "建设路", "和平街", "新华路", "胜利街", "朝阳路", "文化路", "长江路", "黄河路", "光明街"]
DISTRICT = ("330102", "浙江省杭州市上城区")
TOWNS = ["湖滨街道", "清波街道", "望江街道", "紫阳街道", "南星街道", "小营街道", "四季青街道", "凯旋街道"]

# code, name, sex restriction (None, "1" male only, "2" female only), usual setting
DIAGNOSES = pd.DataFrame([
    ("J06.900", "急性上呼吸道感染", None), ("K29.700", "胃炎", None), ("M54.500", "腰痛", None),
    ("I10.x00", "原发性高血压", None), ("E11.900", "2型糖尿病", None), ("I63.900", "脑梗死", None),
    ("J18.900", "肺炎", None), ("N18.500", "慢性肾脏病5期", None), ("C34.900", "肺恶性肿瘤", None),
    ("S72.000", "股骨颈骨折", None), ("I25.100", "冠状动脉粥样硬化性心脏病", None),
    ("O80.000", "单胎顺产", "2"), ("N40.x00", "前列腺增生", "1"), ("K80.200", "胆囊结石", None),
    ("M17.900", "膝关节病", None), ("Z51.102", "恶性肿瘤维持性化学治疗", None),
    # Appended for the behaviour variants and look-alikes (rows above keep their
    # positions, so the default district is unchanged): kidney disease behind
    # dialysis, cancers behind chemotherapy, rehabilitation, injuries, check-ups.
    ("N18.400", "慢性肾脏病4期", None), ("I12.000", "高血压性肾病", None), ("E11.201", "2型糖尿病性肾病", None),
    ("N03.900", "慢性肾炎综合征", None), ("C50.900", "乳腺恶性肿瘤", "2"), ("C18.900", "结肠恶性肿瘤", None),
    ("C16.900", "胃恶性肿瘤", None), ("I69.300", "脑梗死后遗症", None), ("G81.900", "偏瘫", None),
    ("M51.202", "腰椎间盘突出", None), ("H25.900", "老年性白内障", None), ("Z00.000", "健康查体", None),
    ("K76.000", "脂肪肝", None), ("E78.500", "高脂血症", None), ("S06.000", "脑震荡", None),
    ("S82.200", "胫骨干骨折", None), ("S22.300", "肋骨骨折", None), ("S52.500", "桡骨下端骨折", None),
    ("T00.900", "多处浅表损伤", None), ("I50.900", "心力衰竭", None), ("N39.000", "泌尿道感染", None),
    ("J44.100", "慢性阻塞性肺病伴急性加重", None), ("I48.x00", "心房颤动", None),
], columns=["code", "name", "sex"])

# med_list_codg, name, unit price, key drug (003 附件2 / 002 high-value chronic drugs)
DRUGS = pd.DataFrame([
    ("XC10AAA067A001", "阿托伐他汀钙片", 3.2, True), ("XB01ACL160A001", "硫酸氢氯吡格雷片", 6.8, True),
    ("XA10ABY036B001", "甘精胰岛素注射液", 168.0, True), ("XL01EBA389A001", "甲磺酸奥希替尼片", 510.0, True),
    ("XB05AAR021B001", "人血白蛋白", 380.0, True), ("ZA12BAF0354", "复方丹参滴丸", 0.9, True),
    ("ZA12AAN0052", "脑心通胶囊", 1.6, True),
    ("XJ01CAA040A001", "阿莫西林胶囊", 0.5, False), ("XM01AEB065A001", "布洛芬缓释胶囊", 0.8, False),
    ("XR05XAF028A001", "复方甘草片", 0.1, False), ("XA02BCO011A001", "奥美拉唑肠溶胶囊", 1.1, False),
    ("XC09AAL161A001", "贝那普利片", 2.4, False), ("XA10BAE045A001", "二甲双胍片", 0.3, False),
    ("ZB01BAB0030", "感冒灵颗粒", 1.2, False),
    # Appended key drugs (ordinary drugs would shift the background's draws).
    ("XA10BKD209A001", "达格列净片", 4.6, True), ("XB01AFL089A001", "利伐沙班片", 9.5, True),
    ("XB03XAC167B001", "重组人促红素注射液", 42.0, True),
], columns=["code", "name", "price", "key"])

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))


def id_check_digit(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for an array of 17-digit strings."""
    digits = np.frombuffer("".join(first17).encode(), dtype=np.uint8).reshape(-1, 17) - 48
    return _CHECK[(digits @ _ID_WEIGHTS) % 11]


def _names(rng: np.random.Generator, surnames: np.ndarray) -> np.ndarray:
    n = len(surnames)
    given = np.array(GIVEN)
    one = given[rng.integers(0, len(given), n)]
    two = given[rng.integers(0, len(given), n)]
    double = rng.random(n) < 0.6
    return np.char.add(np.char.add(surnames, one), np.where(double, two, ""))


@dataclass
class Population:
    persons: pd.DataFrame   # psn_no, psn_name, certno, gend, brdy, tel, addr, insuplc_admdvs, household, age
    cards: np.ndarray       # mdtrt_cert_no per person (index aligned)
    card_types: np.ndarray


def make_population(rng: np.random.Generator, n: int, ref_year: int) -> Population:
    """People grouped in households of 1–5 sharing an address and often a phone."""
    sizes = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.25, 0.32, 0.23, 0.14, 0.06])
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n) + 1]
    household = np.repeat(np.arange(len(sizes)), sizes)[:n]
    hh_surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), len(sizes))]
    # Most members carry the household surname (spouses often do not).
    surname = np.where(rng.random(n) < 0.75, hh_surname[household],
                       np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)])
    names = _names(rng, surname)
    age = np.clip(rng.gamma(4.0, 11.0, n).astype(int), 0, 99)
    birth = pd.to_datetime((ref_year - age).astype(str), format="%Y") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    gend = np.where(rng.random(n) < 0.5, "1", "2")
    seq = rng.integers(0, 50, n) * 2 + (gend == "1")  # ID sequence: odd for men
    first17 = np.char.add(np.char.add(DISTRICT[0], birth.strftime("%Y%m%d").to_numpy().astype(str)),
                          np.char.zfill(seq.astype(str), 3))
    certno = np.char.add(first17, id_check_digit(first17))
    hh_phone = np.char.add("13", np.char.zfill(rng.integers(0, 10**9, len(sizes)).astype(str), 9))
    own_phone = np.char.add("1", np.char.zfill(rng.integers(3 * 10**9, 9 * 10**9, n).astype(str), 10))
    tel = np.where(rng.random(n) < 0.5, hh_phone[household], own_phone)
    towns = np.array(TOWNS)[rng.integers(0, len(TOWNS), len(sizes))]
    streets = np.array(STREETS)[rng.integers(0, len(STREETS), len(sizes))]
    numbers = rng.integers(1, 400, len(sizes)).astype(str)
    # Room numbers make every household's address its own, as on real records.
    rooms = np.char.add(np.char.add("号", (np.arange(len(sizes)) % 30 + 1).astype(str)),
                        np.char.add("幢", np.char.add((np.arange(len(sizes)) // 30 + 101).astype(str), "室")))
    hh_addr = np.char.add(np.char.add(np.char.add(DISTRICT[1] + "", towns), streets), np.char.add(numbers, rooms))
    psn_no = np.char.add("33010200", np.char.zfill(np.arange(1, n + 1).astype(str), 10))
    persons = pd.DataFrame({
        "psn_no": psn_no, "psn_name": names, "certno": certno, "gend": gend,
        "brdy": birth.strftime("%Y-%m-%d"), "tel": tel, "addr": hh_addr[household],
        "insuplc_admdvs": DISTRICT[0], "household": household, "age": age,
    })
    cards = np.char.add("A330102", np.char.zfill(rng.permutation(n).astype(str), 9))
    card_types = np.where(rng.random(n) < 0.3, "01", "03")
    cards = np.where(card_types == "01", np.char.add("E", cards), cards)
    return Population(persons, cards, card_types)


@dataclass
class Places:
    places: pd.DataFrame   # fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, admdvs, weight
    doctors: pd.DataFrame  # atddr_no, dr_name, place (index into places)


def make_places(rng: np.random.Generator, n_patients: int) -> Places:
    n_big, n_mid = 2, max(3, n_patients // 5000)
    n_clinic = max(6, n_patients // 700)
    n_pharm = max(8, n_patients // 600)
    rows = []
    for i in range(n_big):
        rows.append((f"H33010200{i + 1:03d}", f"上城区第{'一二三四五'[i % 5]}人民医院", "1", "3", 40.0))
    for i in range(n_mid):
        rows.append((f"H33010201{i + 1:03d}", f"{TOWNS[i % len(TOWNS)][:2]}中心医院", "1", "2", 8.0))
    for i in range(n_clinic):
        rows.append((f"H33010202{i + 1:03d}", f"{TOWNS[i % len(TOWNS)][:2]}社区卫生服务中心{i + 1}站", "1", "1", 2.0))
    for i in range(n_pharm):
        weight = 6.0 if i == 0 else 1.0  # one very busy pharmacy (benign hub)
        rows.append((f"P33010200{i + 1:03d}", f"{['国大', '九洲', '老百姓', '益丰', '华东'][i % 5]}大药房第{i + 1}分店",
                     "2", "", weight))
    places = pd.DataFrame(rows, columns=["fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "weight"])
    places["admdvs"] = DISTRICT[0]
    per_place = places["hosp_lv"].map({"3": 30, "2": 10, "1": 2, "": 0}).to_numpy()
    per_place = np.maximum(per_place, (places["fixmedins_type"] == "1").to_numpy().astype(int))
    owner = np.repeat(np.arange(len(places)), per_place)
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), len(owner))]
    doctors = pd.DataFrame({
        "atddr_no": np.char.add("D330102", np.char.zfill(np.arange(1, len(owner) + 1).astype(str), 6)),
        "dr_name": _names(rng, surname), "place": owner,
    })
    return Places(places, doctors)
