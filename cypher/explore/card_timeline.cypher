// title: 医保卡使用时间线 / every settlement on one card, in time order, with place and doctor
// params: {card: "A330102000000001"}
MATCH (c:Card {mdtrt_cert_no: $card})<-[:PAID_WITH]-(s:Settlement)-[:AT]->(place)
OPTIONAL MATCH (s)-[:BY]->(d:Doctor)
RETURN s.setl_id AS setl_id, s.setl_ts AS setl_ts, s.med_type AS med_type, place.fixmedins_code AS place,
       place.fixmedins_name AS place_name, d.atddr_no AS doctor, s.medfee_sumamt AS total,
       s.fund_pay AS fund, s.refund AS refund
ORDER BY s.setl_ts;
