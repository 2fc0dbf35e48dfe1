// title: 购药后退费套现 / buy on the card, refund in cash, repeatedly
// id: refund-cashout
// family: refund_cashout
// level: high
// status: stable
// seeds: ["002 二(二)4", "003 附件3 二.5", "000 三(二)1"]
// params: {max_delay_s: 172800, min_refunds: 3, amount_tolerance: 0.01}
// emits: link
// description: >
//   Drugs bought on the card are refunded in cash (违规套现): a card with at
//   least min_refunds refunds at pharmacies, each within max_delay_s seconds
//   after a purchase of at least the refunded amount (whole or partial refund,
//   whatever the sign the export gives refunds) on the same card at the same pharmacy,
//   is linked to every pharmacy where that happened; weight = refunds there, so
//   pharmacies where this concentrates gather a ring.
// falsepositives: >
//   Ordinary refunds of a mistaken purchase (one per card, below min_refunds).
MATCH (c:Card)<-[:PAID_WITH]-(r0:Settlement)-[:AT]->(:Pharmacy)
WHERE r0.refund = 1
MATCH (c)<-[:PAID_WITH]-(b0:Settlement)
WHERE b0.refund = 0 AND b0.fixmedins_code = r0.fixmedins_code
  AND r0.setl_ts >= b0.setl_ts AND r0.setl_ts - b0.setl_ts <= $max_delay_s
  AND abs(r0.medfee_sumamt) <= b0.medfee_sumamt + $amount_tolerance
WITH c, count(DISTINCT r0.setl_id) AS card_refunds
WHERE card_refunds >= $min_refunds
MATCH (c)<-[:PAID_WITH]-(r:Settlement)-[:AT]->(ph:Pharmacy)
WHERE r.refund = 1
MATCH (c)<-[:PAID_WITH]-(b:Settlement)
WHERE b.refund = 0 AND b.fixmedins_code = r.fixmedins_code
  AND r.setl_ts >= b.setl_ts AND r.setl_ts - b.setl_ts <= $max_delay_s
  AND abs(r.medfee_sumamt) <= b.medfee_sumamt + $amount_tolerance
WITH c, ph, count(DISTINCT r.setl_id) AS refunds, collect(DISTINCT r.setl_id) + collect(DISTINCT b.setl_id) AS evidence
RETURN 'Card' AS a_type, c.mdtrt_cert_no AS a_id, 'Pharmacy' AS b_type, ph.fixmedins_code AS b_id,
       1.0 * refunds AS weight, evidence
