-- Masking: per-command masking counts and a capped sample of the masked result
-- (docs/design/0007-masking.md).

-- AlterTable
ALTER TABLE "commands" ADD COLUMN "mask_counts" JSONB,
ADD COLUMN "result_sample" JSONB;
