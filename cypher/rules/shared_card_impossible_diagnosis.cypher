// title: 诊断与持卡人性别不符 / diagnosis impossible for the card holder
// id: card-impossible-diagnosis
// family: shared_card
// level: medium
// status: stable
// seeds: ["000 三(三)1", "002 二(二)2", "002 二(二)5"]
// params: {female_only_prefixes: ["O", "N7", "N8", "N9"], male_only_prefixes: ["N4", "N5"]}
// emits: flag
// description: >
//   A settlement on a card carries a diagnosis its holder cannot have: an
//   obstetric or gynaecological chapter (O, N70–N98) for a man, a male genital
//   chapter (N40–N51) for a woman (人证不一致, 冒名就医). Flags the card.
// falsepositives: >
//   Holder sex recorded wrongly on the person record; newborns billed on a
//   mother's card (rare on the platform, check the person record).
MATCH (p:Patient)<-[:`FOR`]-(s:Settlement)-[:PAID_WITH]->(c:Card)
WHERE s.dise_codg IS NOT NULL
  // Implied by the test below, on the settlement alone: the engine keeps the few such settlements
  // before meeting their patients, rather than every diagnosed one (4.2 s against 0.6 s at 10M).
  AND (left(s.dise_codg, 1) IN $female_only_prefixes OR left(s.dise_codg, 2) IN $female_only_prefixes
       OR left(s.dise_codg, 2) IN $male_only_prefixes)
  AND ((p.gend = '1' AND (left(s.dise_codg, 1) IN $female_only_prefixes OR left(s.dise_codg, 2) IN $female_only_prefixes))
    OR (p.gend = '2' AND left(s.dise_codg, 2) IN $male_only_prefixes))
WITH c, count(DISTINCT s.setl_id) AS hits, collect(DISTINCT s.setl_id) AS evidence
RETURN 'Card' AS entity_type, c.mdtrt_cert_no AS entity_id, 1.0 * hits AS score, evidence
