-- CreateTable
CREATE TABLE "template_versions" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "template" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "subject" TEXT,
    "html" TEXT,
    "text" TEXT,
    "revert_of" INTEGER,
    "saved_by" TEXT NOT NULL,
    "saved_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "template_versions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "template_versions_seq_key" ON "template_versions"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "template_versions_tenant_id_template_locale_version_key" ON "template_versions"("tenant_id", "template", "locale", "version");

-- AddForeignKey
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
