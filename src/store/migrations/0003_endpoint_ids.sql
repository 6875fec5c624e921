-- Endpoints become a model of their own: a stable id (so an edit can change
-- the prefix), the generic scheme's configuration, and PayPal's certificate.
ALTER TABLE endpoints ADD COLUMN id TEXT;
ALTER TABLE endpoints ADD COLUMN generic TEXT; -- JSON GenericConfig, for provider 'generic'
ALTER TABLE endpoints ADD COLUMN certificate TEXT;
UPDATE endpoints SET id = 'ep_' || lower(hex(randomblob(8))) WHERE id IS NULL;
CREATE UNIQUE INDEX endpoints_id ON endpoints (id);
