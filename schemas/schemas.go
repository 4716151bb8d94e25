// Package schemas embeds Samspill's public contracts: one JSON Schema per
// event type (<area>/v<N>/<event>.json), the CloudEvents envelope, the map
// document, the AsyncAPI description of the NATS subjects and the OpenAPI
// description of the HTTP API, so that code validates against exactly the
// files that are published.
package schemas

import "embed"

// FS holds every schema file, with paths relative to this folder.
//
//go:embed */v1/*.json asyncapi.yaml openapi.yaml
var FS embed.FS

// OpenAPIPath is the OpenAPI 3.1 document's path in FS. Its $refs to
// other files are relative to it (mapdoc/v1/map.json, …).
const OpenAPIPath = "openapi.yaml"

// OpenAPI returns the OpenAPI 3.1 document of the HTTP API of samspill up
// (every route of the command, graph, gap and picture services, the
// health check, the index and the document itself).
func OpenAPI() []byte {
	b, err := FS.ReadFile(OpenAPIPath)
	if err != nil {
		// The file is embedded at build time; its absence is a build
		// error, so this cannot happen in a built binary.
		panic("schemas: " + err.Error())
	}
	return b
}
