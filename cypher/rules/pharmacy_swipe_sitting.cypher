// title: 药店多卡连刷 / cards swiped together at one pharmacy, again and again
// id: pharmacy-co-swipe
// family: pharmacy_swipe
// level: high
// status: stable
// seeds: ["000 三(二)1", "000 三(三)4", "003 附件3 二.5", "003 附件3 四.2", "002 二(二)3"]
// emits: events
// scale: sitting
// params: {window: 900, min_repeats: 2}
// description: >
//   A collector holding many insured people's cards swipes them one after another
//   at a complicit pharmacy (空刷/套现/串换): every card at one sitting or a
//   rotating subset, seconds or minutes apart, at one pharmacy or carried between
//   a few. Every pharmacy purchase is a meeting opportunity; two cards settled
//   within `window` seconds of each other at one pharmacy meet. Cards meeting on
//   `min_repeats` or more distinct days are scored against chance (the pharmacy's
//   own traffic by hour of day and the cards' own visits there), and a sitting
//   far busier than the pharmacy's traffic (a stack of cards) ties the cards in it.
// falsepositives: >
//   Family members fetching medicine for each other at the home pharmacy (one
//   household: discounted, and a ring needs three households); a busy pharmacy
//   where unrelated cards meet minutes apart once or twice (expected there).
MATCH (s:Settlement)
WHERE s.place_label = 'Pharmacy' AND s.refund = 0 AND s.setl_ts IS NOT NULL
RETURN 'Card' AS entity_type, s.mdtrt_cert_no AS entity_id, s.fixmedins_code AS place,
       s.setl_ts AS t, s.setl_day AS rep, s.setl_id AS setl_id
