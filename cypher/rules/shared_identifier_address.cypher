// title: 多人登记同一住址 / one address on many unrelated people's records
// id: identity-shared-address
// family: shared_identifier
// level: low
// status: stable
// seeds: ["003 附件3 四.1", "003 附件3 四.2"]
// params: {min_holders: 5, max_holders: 40, min_surnames: 4, collective_keywords: ["福利院", "养老院", "敬老院", "老年公寓", "护理院", "宿舍", "集体户", "学校"]}
// emits: link
// description: >
//   An intermediary (中介, 职业骗保团伙) registers the people it recruits at its own
//   address. An address held by between min_holders and max_holders people with
//   at least min_surnames different surnames links every pair of its holders;
//   weight 2/holders, so an address adds about one unit per holder. Addresses
//   of collective households (nursing homes, dormitories, 集体户) are skipped:
//   many unrelated people live there by design. Level low: exports often record
//   addresses only to the building, and a nursing home's name need not contain
//   a keyword, so an address alone never makes a ring — it strengthens rings
//   that other rules found (see RingParams.min_corroboration).
// falsepositives: >
//   Families (2–5 people, one or two surnames); nursing homes and dormitories
//   (collective_keywords); placeholder addresses on hundreds of records (max_holders).
MATCH (a:Address)<-[:LIVES_AT]-(p:Patient)
WHERE none(k IN $collective_keywords WHERE a.addr CONTAINS k)
WITH a, count(DISTINCT p) AS holders, count(DISTINCT left(p.psn_name, 1)) AS surnames,
     collect(DISTINCT p.psn_no) AS people
WHERE holders >= $min_holders AND holders <= $max_holders AND surnames >= $min_surnames
UNWIND people AS p1
UNWIND people AS p2
WITH p1, p2, holders
WHERE p1 < p2
RETURN 'Patient' AS a_type, p1 AS a_id, 'Patient' AS b_type, p2 AS b_id,
       2.0 / holders AS weight, [] AS evidence
