// title: 住院期间他处用卡 / card used elsewhere while its holder is an inpatient
// id: card-use-during-stay
// family: shared_card
// level: medium
// status: stable
// seeds: ["000 三(三)1", "000 三(三)2", "003 附件3 三.2"]
// params: {min_inside_days: 1}
// emits: flag
// description: >
//   The holder is admitted at one place (begn_day..end_day) while their card is
//   settled at another place strictly inside the stay, at least min_inside_days
//   after admission and before discharge: someone else is using the card (转借,
//   冒用), or the stay is 挂床. Flags the card.
// falsepositives: >
//   A relative buying the patient's own chronic medicine at a pharmacy during a
//   long stay; day-of-admission or discharge purchases (excluded by the strict bounds).
MATCH (c:Card)<-[:PAID_WITH]-(stay:Settlement), (c)<-[:PAID_WITH]-(s:Settlement)
WHERE stay.begn_day IS NOT NULL AND stay.end_day - stay.begn_day >= 2
  AND s.fixmedins_code <> stay.fixmedins_code AND s.refund = 0
  AND s.setl_day >= stay.begn_day + $min_inside_days AND s.setl_day <= stay.end_day - $min_inside_days
WITH c, count(DISTINCT s.setl_id) AS uses, collect(DISTINCT s.setl_id) + collect(DISTINCT stay.setl_id) AS evidence
RETURN 'Card' AS entity_type, c.mdtrt_cert_no AS entity_id, 1.0 * uses AS score, evidence
