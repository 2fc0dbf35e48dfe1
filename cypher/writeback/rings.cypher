// Write a scan's rings back into Neo4j, replacing the previous scan's, in one transaction.
// Statements run in order; the member statements are chosen by the label they match.
// params: {rings: [], members: []}
MATCH (r:Ring) DETACH DELETE r;
UNWIND $rings AS row CREATE (r:Ring) SET r = row;
UNWIND $members AS row MATCH (r:Ring {id: row.ring}) MATCH (m:Patient {psn_no: row.id}) MERGE (r)-[:HAS_MEMBER]->(m);
UNWIND $members AS row MATCH (r:Ring {id: row.ring}) MATCH (m:Card {mdtrt_cert_no: row.id}) MERGE (r)-[:HAS_MEMBER]->(m);
UNWIND $members AS row MATCH (r:Ring {id: row.ring}) MATCH (m:Doctor {atddr_no: row.id}) MERGE (r)-[:HAS_MEMBER]->(m);
UNWIND $members AS row MATCH (r:Ring {id: row.ring}) MATCH (m:Institution {fixmedins_code: row.id}) MERGE (r)-[:HAS_MEMBER]->(m);
UNWIND $members AS row MATCH (r:Ring {id: row.ring}) MATCH (m:Pharmacy {fixmedins_code: row.id}) MERGE (r)-[:HAS_MEMBER]->(m);
