// OpenAPI: Swagger UI at /api/docs, the JSON document at /api/docs-json.
// Served straight by the HTTP adapter, outside the auth guard.
import type { INestApplication } from "@nestjs/common";
import { DocumentBuilder, SwaggerModule } from "@nestjs/swagger";
import { CONTROL_PLANE_VERSION } from "../version";

export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle("Airlock control plane")
    .setDescription(
      "Admin API. Authenticate with `Authorization: Bearer <API key>`. " +
        'Errors are `{ "error": { "code", "message", "field"? } }`.',
    )
    .setVersion(CONTROL_PLANE_VERSION)
    .addBearerAuth({ type: "http", scheme: "bearer", bearerFormat: "alk_key_<id>_<secret>" })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup("api/docs", app, document, { jsonDocumentUrl: "api/docs-json" });
}
