// Package schemas embeds Samspill's public contracts: one JSON Schema per
// event type (<area>/v<N>/<event>.json), the CloudEvents envelope, the map
// document and the AsyncAPI description of the NATS subjects, so that code
// validates against exactly the files that are published.
package schemas

import "embed"

// FS holds every schema file, with paths relative to this folder.
//
//go:embed */v1/*.json asyncapi.yaml
var FS embed.FS
