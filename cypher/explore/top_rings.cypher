// title: 风险最高的团伙 / the highest-scoring rings of the last scan, with member counts
// params: {limit: 20}
MATCH (r:Ring)
OPTIONAL MATCH (r)-[:HAS_MEMBER]->(m)
WITH r, count(m) AS members
RETURN r.id AS id, r.kind AS kind, r.score AS score, r.amount AS amount, members, r.scanned_at AS scanned_at
ORDER BY score DESC, id
LIMIT $limit;
