// title: 团伙关系网 / a ring, its members and the settlements that tie them together
// params: {ring_id: "R-0123456789", max_settlements: 200}
// Run in Neo4j Browser after a scan on Neo4j (rings are written back as :Ring nodes).
MATCH (r:Ring {id: $ring_id})-[:HAS_MEMBER]->(m)
OPTIONAL MATCH (m)<-[rel:PAID_WITH|AT|BY]-(s:Settlement)
WITH r, m, rel, s
ORDER BY s.setl_ts
WITH r, m, collect(rel)[0..$max_settlements] AS rels, collect(s)[0..$max_settlements] AS settlements
RETURN r, m, rels, settlements;
