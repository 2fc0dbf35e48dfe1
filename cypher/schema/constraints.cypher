// Uniqueness constraints (Neo4j Community Edition supports these) on every node key
// of the graph model (ringscan/graph/model.py); each one also gives an index for MERGE.
// Applied by ringscan before the first load; IF NOT EXISTS makes it idempotent.
CREATE CONSTRAINT patient_psn_no IF NOT EXISTS FOR (n:Patient) REQUIRE n.psn_no IS UNIQUE;
CREATE CONSTRAINT card_cert_no IF NOT EXISTS FOR (n:Card) REQUIRE n.mdtrt_cert_no IS UNIQUE;
CREATE CONSTRAINT doctor_no IF NOT EXISTS FOR (n:Doctor) REQUIRE n.atddr_no IS UNIQUE;
CREATE CONSTRAINT institution_code IF NOT EXISTS FOR (n:Institution) REQUIRE n.fixmedins_code IS UNIQUE;
CREATE CONSTRAINT pharmacy_code IF NOT EXISTS FOR (n:Pharmacy) REQUIRE n.fixmedins_code IS UNIQUE;
CREATE CONSTRAINT settlement_id IF NOT EXISTS FOR (n:Settlement) REQUIRE n.setl_id IS UNIQUE;
CREATE CONSTRAINT phone_tel IF NOT EXISTS FOR (n:Phone) REQUIRE n.tel IS UNIQUE;
CREATE CONSTRAINT address_addr IF NOT EXISTS FOR (n:Address) REQUIRE n.addr IS UNIQUE;
CREATE CONSTRAINT drug_code IF NOT EXISTS FOR (n:Drug) REQUIRE n.med_list_codg IS UNIQUE;
CREATE CONSTRAINT ring_id IF NOT EXISTS FOR (n:Ring) REQUIRE n.id IS UNIQUE;
