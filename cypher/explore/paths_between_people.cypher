// title: 两人之间的关联路径 / shortest paths between two insured people
// params: {psn_a: "330102000000000001", psn_b: "330102000000000002"}
// Paths through cards, settlements, places, doctors, phones and addresses, up to 8 hops.
MATCH (a:Patient {psn_no: $psn_a}), (b:Patient {psn_no: $psn_b})
MATCH p = allShortestPaths((a)-[*..8]-(b))
RETURN p
LIMIT 25;
