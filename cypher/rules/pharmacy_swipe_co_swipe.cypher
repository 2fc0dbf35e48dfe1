// title: 药店多卡连刷 / cards swiped together at one pharmacy, again and again
// id: pharmacy-co-swipe
// family: pharmacy_swipe
// level: high
// status: stable
// seeds: ["000 三(二)1", "000 三(三)4", "003 附件3 二.5", "003 附件3 四.2", "002 二(二)3"]
// params: {window_s: 600, min_days: 2}
// emits: link
// description: >
//   A collector holding many insured people's cards swipes them one after another
//   at a complicit pharmacy (空刷/套现/串换). Two cards of different people settled
//   at the same pharmacy within window_s seconds of each other, on at least
//   min_days different days, are linked; the weight is the number of days.
//   window_s may be at most half the store's swipe slot (settings.swipe_slot_s).
// falsepositives: >
//   Family members fetching medicine for each other at the home pharmacy (the
//   ring stage discounts links between members of one household); a busy
//   pharmacy where unrelated cards meet minutes apart once (min_days).
MATCH (s1:Settlement)-[:IN_SLOT]->(t:Slot)<-[:IN_SLOT]-(s2:Settlement)
WHERE t.kind = 'swipe' AND s1.place_label = 'Pharmacy'
  AND s1.mdtrt_cert_no < s2.mdtrt_cert_no AND s1.psn_no <> s2.psn_no
  AND s1.refund = 0 AND s2.refund = 0
  AND abs(s1.setl_ts - s2.setl_ts) <= $window_s
WITH s1.mdtrt_cert_no AS card1, s2.mdtrt_cert_no AS card2, count(DISTINCT s1.setl_day) AS days,
     collect(DISTINCT s1.setl_id) + collect(DISTINCT s2.setl_id) AS evidence
WHERE days >= $min_days
RETURN 'Card' AS a_type, card1 AS a_id, 'Card' AS b_type, card2 AS b_id,
       1.0 * days AS weight, evidence
