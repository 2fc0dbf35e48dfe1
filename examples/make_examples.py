"""Re-export a generated district the way two foreign systems would, for examples/ and the tests.

    python examples/make_examples.py [--district DIR] [--out examples]

writes
  his/     a Chinese hospital HIS export: Chinese headers, GBK, ``M/D/YYYY H:MM``
           settlement times (no seconds), ``YYYYMMDD`` dates, 男/女, ``NULL`` cells;
           outpatient and inpatient settlements in separate files (one 就诊日期
           column for an outpatient's start and end), pharmacy sales in a file of
           the pharmacy system's own without 医疗类别 (med_type) or 机构类型;
  claims/  an English claims export: ClaimID, BeneID, Provider, AttendingPhysician,
           ClmDiagnosisCode_1 (ICD), ``M/D/YYYY h:mm:ss AM`` times, ``M/D/YYYY`` dates,
           ``NA`` cells, coded claim types and provider types, gzip-compressed claim lines;
each with the mapping.toml that loads it. The district (default: 500 patients,
60 days, seed 3) is the one `ringscan generate` writes, so the exports load to
the same graph as the native files (the HIS one with settlement times to the
minute). Only pandas and ringscan are needed.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
# The district the committed examples were made from.
PATIENTS, DAYS, SEED = 500, 60, 3

HIS_SETTLEMENTS = {
    "setl_id": "结算ID", "mdtrt_id": "就诊ID", "psn_no": "人员编号", "psn_name": "姓名", "certno": "身份证号",
    "gend": "性别", "brdy": "出生日期", "mdtrt_cert_no": "就诊凭证编号", "mdtrt_cert_type": "凭证类型",
    "fixmedins_code": "机构编码", "fixmedins_name": "机构名称", "fixmedins_type": "机构类型", "med_type": "医疗类别",
    "setl_time": "结算时间", "atddr_no": "医师编码", "dr_name": "医师姓名", "dise_codg": "诊断编码",
    "dise_name": "诊断名称", "medfee_sumamt": "医疗费总额", "hifp_pay": "统筹基金支付", "acct_pay": "个人账户支付",
    "psn_cash_pay": "个人现金支付", "refd_setl_flag": "退费标志", "insuplc_admdvs": "参保地", "insutype": "险种类型",
}
# The pharmacy system names a few things its own way.
HIS_PHARMACY = {**HIS_SETTLEMENTS, "setl_id": "销售单号", "fixmedins_code": "药店编码", "fixmedins_name": "药店名称",
                "setl_time": "刷卡时间"}
HIS_PERSONS = {"psn_no": "人员编号", "psn_name": "姓名", "certno": "身份证号", "gend": "性别", "brdy": "出生日期",
               "tel": "联系电话", "addr": "家庭住址", "insuplc_admdvs": "参保地"}
HIS_INSTITUTIONS = {"fixmedins_code": "机构编码", "fixmedins_name": "机构名称", "fixmedins_type": "机构类型",
                    "hosp_lv": "医院等级", "admdvs": "行政区划"}
HIS_FEES = {"feedetl_sn": "明细流水号", "setl_id": "结算ID", "med_list_codg": "项目编码", "med_list_name": "项目名称",
            "cnt": "数量", "pric": "单价", "det_item_fee_sumamt": "明细金额", "bilg_dr_codg": "开单医师编码"}

CLAIMS = {
    "setl_id": "ClaimID", "mdtrt_id": "EncounterID", "psn_no": "BeneID", "psn_name": "BeneName",
    "certno": "NationalID", "gend": "Gender", "brdy": "DOB", "mdtrt_cert_no": "MemberCardID",
    "mdtrt_cert_type": "CardType", "fixmedins_code": "Provider", "fixmedins_name": "ProviderName",
    "fixmedins_type": "ProviderType", "med_type": "ClaimType", "setl_time": "ClaimDt", "begndate": "AdmissionDt",
    "enddate": "DischargeDt", "atddr_no": "AttendingPhysician", "dr_name": "PhysicianName",
    "dise_codg": "ClmDiagnosisCode_1", "dise_name": "ClmDiagnosisDesc", "medfee_sumamt": "TotalClaimAmt",
    "hifp_pay": "InscClaimAmtReimbursed", "acct_pay": "AccountPaidAmt", "psn_cash_pay": "OOPAmt",
    "refd_setl_flag": "Reversal", "insuplc_admdvs": "State", "insutype": "PlanCode",
}
CLAIMS_BENEFICIARIES = {"psn_no": "BeneID", "psn_name": "BeneName", "certno": "NationalID", "gend": "Gender",
                        "brdy": "DOB", "tel": "Phone", "addr": "Address", "insuplc_admdvs": "State"}
CLAIMS_PROVIDERS = {"fixmedins_code": "Provider", "fixmedins_name": "ProviderName", "fixmedins_type": "ProviderType",
                    "hosp_lv": "ProviderLevel", "admdvs": "County"}
CLAIMS_LINES = {"feedetl_sn": "LineID", "setl_id": "ClaimID", "med_list_codg": "ItemCode", "med_list_name": "ItemDesc",
                "cnt": "Units", "pric": "UnitPrice", "det_item_fee_sumamt": "LineAmt", "bilg_dr_codg": "OrderingPhysician"}
CLAIM_TYPES = {"11": "OP", "14": "OPS", "21": "IP", "41": "RX"}
PROVIDER_TYPES = {"1": "HOSP", "2": "PHARM"}


def _ymd(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y%m%d")


def _mdy(values: pd.Series, time: str = "") -> pd.Series:
    """M/D/YYYY (no leading zeros), with a time of day after it when ``time`` is a strftime pattern."""
    stamps = pd.to_datetime(values)
    def part(values: pd.Series) -> pd.Series:
        return values.astype("Int64").astype("string")

    text = part(stamps.dt.month) + "/" + part(stamps.dt.day) + "/" + part(stamps.dt.year)
    if time:
        text = text + " " + stamps.dt.strftime(time).str.replace(r"^0(\d)", r"\1", regex=True)
    return text.where(stamps.notna())


def his_export(district: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    s = pd.read_csv(district / "settlements.csv", dtype=str)
    s["gend"] = s["gend"].map({"1": "男", "2": "女"})
    s["brdy"] = _ymd(s["brdy"])
    s["setl_time"] = _mdy(s["setl_time"], "%H:%M")
    pharmacy = s["fixmedins_type"] == "2"
    one_day = s["begndate"].isna() | (s["begndate"] == s["enddate"])
    outpatient, inpatient = s[~pharmacy & one_day].copy(), s[~pharmacy & ~one_day].copy()
    outpatient["就诊日期"] = _ymd(outpatient["begndate"])
    inpatient["入院日期"], inpatient["出院日期"] = _ymd(inpatient["begndate"]), _ymd(inpatient["enddate"])
    write = {"index": False, "encoding": "gb18030", "na_rep": "NULL"}
    cols = [c for c in HIS_SETTLEMENTS if c in s.columns]
    outpatient[cols + ["就诊日期"]].rename(columns=HIS_SETTLEMENTS).to_csv(out / "门诊结算.csv", **write)
    inpatient[cols + ["入院日期", "出院日期"]].rename(columns=HIS_SETTLEMENTS).to_csv(out / "住院结算.csv", **write)
    sold = [c for c in cols if c not in {"fixmedins_type", "med_type", "atddr_no", "dr_name", "dise_codg", "dise_name"}]
    s[pharmacy][sold].rename(columns=HIS_PHARMACY).to_csv(out / "药店销售.csv", **write)
    p = pd.read_csv(district / "persons.csv", dtype=str)
    p["gend"] = p["gend"].map({"1": "男", "2": "女"})
    p["brdy"] = _ymd(p["brdy"])
    p.rename(columns=HIS_PERSONS).to_csv(out / "参保人员.csv", **write)
    pd.read_csv(district / "institutions.csv", dtype=str).rename(columns=HIS_INSTITUTIONS).to_csv(
        out / "定点机构.csv", **write)
    pd.read_csv(district / "fee_details.csv", dtype=str).rename(columns=HIS_FEES).to_csv(out / "费用明细.csv", **write)


def claims_export(district: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    s = pd.read_csv(district / "settlements.csv", dtype=str)
    s["gend"] = s["gend"].map({"1": "M", "2": "F"})
    s["brdy"] = _mdy(s["brdy"])
    s["setl_time"] = _mdy(s["setl_time"], "%I:%M:%S %p")
    s["begndate"], s["enddate"] = _mdy(s["begndate"]), _mdy(s["enddate"])
    s["med_type"] = s["med_type"].map(CLAIM_TYPES)
    s["fixmedins_type"] = s["fixmedins_type"].map(PROVIDER_TYPES)
    s["refd_setl_flag"] = s["refd_setl_flag"].map({"0": "N", "1": "Y"})
    write = {"index": False, "encoding": "utf-8", "na_rep": "NA"}
    s[[c for c in CLAIMS if c in s.columns]].rename(columns=CLAIMS).to_csv(out / "claims.csv", **write)
    p = pd.read_csv(district / "persons.csv", dtype=str)
    p["gend"] = p["gend"].map({"1": "M", "2": "F"})
    p["brdy"] = _mdy(p["brdy"])
    p.rename(columns=CLAIMS_BENEFICIARIES).to_csv(out / "beneficiaries.csv", **write)
    i = pd.read_csv(district / "institutions.csv", dtype=str)
    i["fixmedins_type"] = i["fixmedins_type"].map(PROVIDER_TYPES)
    i.rename(columns=CLAIMS_PROVIDERS).to_csv(out / "providers.csv", **write)
    pd.read_csv(district / "fee_details.csv", dtype=str).rename(columns=CLAIMS_LINES).to_csv(
        out / "claim_lines.csv.gz", **write, compression={"method": "gzip", "mtime": 0})


def native_to_the_minute(district: Path, out: Path) -> None:
    """The native files with settlement times cut to the minute: what the HIS export carries."""
    out.mkdir(parents=True, exist_ok=True)
    for path in district.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if path.name == "settlements.csv":
            frame["setl_time"] = frame["setl_time"].str.slice(0, 16) + ":00"
        frame.to_csv(out / path.name, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--district", type=Path, help="a district written by `ringscan generate` (default: make one)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for his/ and claims/ (default: examples/)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        district = args.district
        if district is None:
            from ringscan.synth.district import generate_district

            district = Path(tmp)
            generate_district(district, patients=PATIENTS, days=DAYS, seed=SEED)
        his_export(district, args.out / "his")
        claims_export(district, args.out / "claims")
    print(f"wrote {args.out / 'his'} and {args.out / 'claims'}")


if __name__ == "__main__":
    main()
