// title: 购药后退费套现 / buy on the card, refund in cash, again and again
// id: refund-cashout
// family: refund_cashout
// level: high
// status: stable
// seeds: ["002 二(二)4", "003 附件3 二.5", "000 三(二)1"]
// emits: observations
// params: {max_delay_d: 5, amount_tolerance: 0.01, min_ratio: 2.0, min_surprise: 0.0}
// description: >
//   Drugs bought on the card are refunded in cash (违规套现): key drugs bought and
//   refunded one to five days later, about monthly, each holder coming alone;
//   partial refunds too. One row per card and pharmacy: refunds within
//   `max_delay_d` days after a purchase of at least the refunded amount on the
//   same card at the same pharmacy (whatever sign the export gives refunds), over
//   the card's purchases there. The peer rate is the district's; a pharmacy whose
//   cards together are far above it gathers them into a ring.
// falsepositives: >
//   Ordinary refunds of a mistaken purchase: scattered over many pharmacies and
//   people, mostly once.
MATCH (c:Card)<-[:PAID_WITH]-(b:Settlement)-[:AT]->(ph:Pharmacy)
WHERE b.refund = 0
OPTIONAL MATCH (c)<-[:PAID_WITH]-(r:Settlement)
WHERE r.refund = 1 AND r.fixmedins_code = b.fixmedins_code
  AND r.setl_day >= b.setl_day AND r.setl_day - b.setl_day <= $max_delay_d
  AND (r.setl_ts IS NULL OR b.setl_ts IS NULL OR r.setl_ts >= b.setl_ts)
  AND abs(r.medfee_sumamt) <= b.medfee_sumamt + $amount_tolerance
WITH c, ph, b, collect(DISTINCT r.setl_id) AS refunds
WITH c, ph, count(*) AS purchases, sum(CASE WHEN size(refunds) > 0 THEN 1 ELSE 0 END) AS refunded,
     collect(CASE WHEN size(refunds) > 0 THEN [b.setl_id] + refunds END) AS evidence
RETURN 'Card' AS entity_type, c.mdtrt_cert_no AS entity_id, 'Pharmacy' AS hub_type, ph.fixmedins_code AS hub_id,
       'refund' AS peer_group, 1.0 * refunded AS observed, 1.0 * purchases AS exposure, evidence
