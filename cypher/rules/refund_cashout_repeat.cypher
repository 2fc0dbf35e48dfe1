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
//   partial refunds too. Per card and pharmacy: refunds within `max_delay_d`
//   days after a purchase of at least the refunded amount on the same card at
//   the same pharmacy (whatever sign the export gives refunds), over the card's
//   purchases there (two row sets, united: the engine adds up a card's rows at
//   a pharmacy). The peer rate is the district's; a pharmacy whose
//   cards together are far above it gathers them into a ring.
// falsepositives: >
//   Ordinary refunds of a mistaken purchase: scattered over many pharmacies and
//   people, mostly once.
MATCH (b:Settlement)
WHERE b.refund = 0 AND b.mdtrt_cert_no IS NOT NULL
// Each purchase (above) meets the refunds of its card at its pharmacy (below) by the values they
// carry, the few refunds held and the purchases passed by them: matched through the card node, the
// embedded engine held every settlement in a hash table (2.9 GB at 10M settlements) to meet 23k
// refunds. A settlement's card is its PAID_WITH card (graph/model.py).
MATCH (r:Settlement)-[:AT]->(ph:Pharmacy)
WHERE r.refund = 1 AND r.mdtrt_cert_no = b.mdtrt_cert_no AND b.fixmedins_code = r.fixmedins_code
  AND r.setl_day >= b.setl_day AND r.setl_day - b.setl_day <= $max_delay_d
  AND (r.setl_ts IS NULL OR b.setl_ts IS NULL OR r.setl_ts >= b.setl_ts)
  AND abs(r.medfee_sumamt) <= b.medfee_sumamt + $amount_tolerance
WITH r.mdtrt_cert_no AS card, ph, count(DISTINCT r.setl_id) AS refunded,
     collect(DISTINCT r.setl_id) + collect(DISTINCT b.setl_id) AS evidence
RETURN 'Card' AS entity_type, card AS entity_id, 'Pharmacy' AS hub_type, ph.fixmedins_code AS hub_id,
       'refund' AS peer_group, 1.0 * refunded AS observed, 0.0 AS exposure, evidence
UNION ALL
// Every purchase counts as exposure; these rows cite no settlement (an empty list of ids, typed as
// the first part's: collecting nothing per card and pharmacy cost 0.35 GB at 10M settlements).
MATCH (b:Settlement)
WHERE b.refund = 0 AND b.place_label = 'Pharmacy'
WITH b.mdtrt_cert_no AS card, b.fixmedins_code AS pharmacy, count(*) AS purchases
RETURN 'Card' AS entity_type, card AS entity_id, 'Pharmacy' AS hub_type, pharmacy AS hub_id,
       'refund' AS peer_group, 0.0 AS observed, 1.0 * purchases AS exposure, [card][0..0] AS evidence
