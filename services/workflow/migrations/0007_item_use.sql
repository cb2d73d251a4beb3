-- Each item's newest submission and case count per tenant, for the insight service's
-- ListItemUse: grouped straight from this index (tenant, service id), without the table.
CREATE INDEX IF NOT EXISTS applications_item_use ON applications (tenant_id, service_id, submitted_at);
