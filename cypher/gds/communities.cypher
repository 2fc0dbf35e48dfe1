// Community detection with the Graph Data Science plugin (ringscan scan --communities gds).
// The suspicion graph is written as temporary :SuspectNode nodes, projected, detected, dropped.
// Statements are named by their first comment line; ringscan runs them by name.
// params: {edges: [], graph: "ringscan-suspicion", seed: 0}
// name: version
RETURN gds.version() AS version;
// name: clear
MATCH (n:SuspectNode) DETACH DELETE n;
// name: edges
UNWIND $edges AS e
MERGE (a:SuspectNode {key: e.a})
MERGE (b:SuspectNode {key: e.b})
MERGE (a)-[r:SUSPECT]->(b)
SET r.weight = e.w;
// name: project
MATCH (a:SuspectNode)-[r:SUSPECT]->(b:SuspectNode)
WITH gds.graph.project($graph, a, b, {relationshipProperties: r {.weight}}, {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graph;
// name: louvain
CALL gds.louvain.stream($graph, {relationshipWeightProperty: 'weight', concurrency: 1})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).key AS key, communityId AS community;
// name: leiden
CALL gds.leiden.stream($graph, {relationshipWeightProperty: 'weight', randomSeed: $seed, concurrency: 1})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).key AS key, communityId AS community;
// name: drop
CALL gds.graph.drop($graph, false) YIELD graphName
RETURN graphName;
