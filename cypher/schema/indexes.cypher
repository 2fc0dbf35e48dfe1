// Range indexes on the properties rules filter and join on (cypher/rules/*.cypher).
CREATE INDEX settlement_place_label IF NOT EXISTS FOR (n:Settlement) ON (n.place_label);
CREATE INDEX settlement_day IF NOT EXISTS FOR (n:Settlement) ON (n.setl_day);
CREATE INDEX settlement_refund IF NOT EXISTS FOR (n:Settlement) ON (n.refund);
CREATE INDEX settlement_med_type IF NOT EXISTS FOR (n:Settlement) ON (n.med_type);
CREATE INDEX settlement_psn_no IF NOT EXISTS FOR (n:Settlement) ON (n.psn_no);
CREATE INDEX settlement_card IF NOT EXISTS FOR (n:Settlement) ON (n.mdtrt_cert_no);
CREATE INDEX settlement_place IF NOT EXISTS FOR (n:Settlement) ON (n.fixmedins_code);
CREATE INDEX settlement_doctor IF NOT EXISTS FOR (n:Settlement) ON (n.atddr_no);
CREATE INDEX ring_kind IF NOT EXISTS FOR (n:Ring) ON (n.kind);
