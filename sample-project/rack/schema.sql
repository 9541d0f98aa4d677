-- The rack sample's table of nodes. Every insert, update and delete tells
-- listeners on the channel rack_nodes_changes, with the record (a NOTIFY
-- payload holds at most 8000 bytes: keep records small, or send ids only and
-- read the rest where the data lives).
--   psql postgres://postgres@127.0.0.1:5432/test -f sample-project/rack/schema.sql
CREATE TABLE IF NOT EXISTS rack_nodes (
  id text PRIMARY KEY,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'discovered',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION rack_nodes_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('rack_nodes_changes',
      json_build_object('event', 'destroyed', 'id', OLD.id, 'record', row_to_json(OLD))::text);
    RETURN OLD;
  END IF;
  PERFORM pg_notify('rack_nodes_changes',
    json_build_object('event', CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'updated' END,
                      'id', NEW.id, 'record', row_to_json(NEW))::text);
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS rack_nodes_changed ON rack_nodes;
CREATE TRIGGER rack_nodes_changed AFTER INSERT OR UPDATE OR DELETE ON rack_nodes
  FOR EACH ROW EXECUTE FUNCTION rack_nodes_notify();
