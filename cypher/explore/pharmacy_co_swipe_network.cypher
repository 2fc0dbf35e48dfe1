// title: 药店同时段刷卡网络 / cards swiped within minutes of each other at one pharmacy
// params: {pharmacy: "P33010200001", window_s: 600, min_days: 2}
MATCH (p:Pharmacy {fixmedins_code: $pharmacy})<-[:AT]-(s1:Settlement), (p)<-[:AT]-(s2:Settlement)
WHERE s1.mdtrt_cert_no < s2.mdtrt_cert_no AND s1.psn_no <> s2.psn_no AND s1.setl_day = s2.setl_day
  AND abs(s1.setl_ts - s2.setl_ts) <= $window_s
WITH s1.mdtrt_cert_no AS card1, s2.mdtrt_cert_no AS card2, count(DISTINCT s1.setl_day) AS days
WHERE days >= $min_days
MATCH (c1:Card {mdtrt_cert_no: card1}), (c2:Card {mdtrt_cert_no: card2})
RETURN c1, c2, days
ORDER BY days DESC;
