// Lint Cypher with Neo4j's own front-end (lintCypherQuery from @neo4j-cypher/language-support).
// stdin: JSON [{"file": "...", "query": "...", "params": {...}}]
// stdout: JSON [{"file", "severity", "message", "line", "column"}]; severity 1 = error, 2 = warning.
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const LABELS = ['Patient', 'Card', 'Doctor', 'Institution', 'Pharmacy', 'Settlement', 'Phone', 'Address', 'Drug', 'Slot', 'Ring', 'SuspectNode'];
const TYPES = ['HOLDS', 'FOR', 'PAID_WITH', 'AT', 'BY', 'WORKS_AT', 'HAS_PHONE', 'LIVES_AT', 'IN_SLOT', 'INCLUDES', 'HAS_MEMBER', 'SUSPECT'];

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const items = JSON.parse(input);
  const out = [];
  for (const item of items) {
    const schema = { labels: LABELS, relationshipTypes: TYPES, parameters: item.params || {} };
    const { diagnostics } = lintCypherQuery(item.query, schema);
    for (const d of diagnostics) {
      out.push({ file: item.file, severity: d.severity, message: d.message,
                 line: d.range.start.line + 1, column: d.range.start.character + 1 });
    }
  }
  process.stdout.write(JSON.stringify(out));
});
