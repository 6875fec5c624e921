-- Deliveries not captured but imported (HAR, raw HTTP, cURL, JSON) say from
-- what. NULL for captures; after the body, so lists never read it.
ALTER TABLE deliveries ADD COLUMN source TEXT;
