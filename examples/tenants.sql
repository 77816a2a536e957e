-- The table behind examples/hub.yaml: one row per tenant, and a read-only user for the operator.
-- `npm run dev` loads this file; against your own server: mysql -uroot < examples/tenants.sql
CREATE DATABASE IF NOT EXISTS lynq_demo;
USE lynq_demo;
DROP TABLE IF EXISTS tenants;
CREATE TABLE tenants (
  id VARCHAR(64) PRIMARY KEY,
  active TINYINT(1) NOT NULL DEFAULT 1,
  plan VARCHAR(32) NOT NULL,
  replicas INT NOT NULL DEFAULT 1,
  port INT NOT NULL DEFAULT 443,
  domain VARCHAR(253) NOT NULL
);
INSERT INTO tenants (id, active, plan, replicas, port, domain) VALUES
  ('acme', 1, 'pro', 2, 443, 'acme.example.com'),
  ('initech', 1, 'basic', 1, 8443, 'initech.example.com'),
  ('globex', 0, 'pro', 3, 443, 'globex.example.com');
-- The operator only reads: SELECT on this one table is all it needs.
CREATE USER IF NOT EXISTS 'lynq'@'%' IDENTIFIED BY 'lynq-demo-password';
GRANT SELECT ON lynq_demo.tenants TO 'lynq'@'%';
