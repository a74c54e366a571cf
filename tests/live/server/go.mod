// The Mattermost server that the live tests run: built from its Go module (`go build
// github.com/mattermost/mattermost/server/v8/cmd/mattermost`), never from copied source.
// Not tidied on purpose: `go mod tidy` resolves every build tag and fails on the enterprise
// imports (private modules behind the `enterprise` tag); `go build` needs only what it lists.
//
// v8.0.0-20240520151130-4bdd8bb18e47 is master of 2024-05-20 (server 9.9.0-dev, four days
// after 9.8.0): the Go module proxy reachable here refuses every release-9.8 pseudo-version
// we could name (6eb3d42f52be, 2024-05-23: "403 This module version is not available").
// server/public v0.1.3 (tag server/public/v0.1.3, 2024-05-20) is the public module of that
// time; v0.1.1 lacks fields the server uses (MetricsSettings.EnableClientMetrics).
module mattermost-client-live-server

go 1.22

require (
	github.com/mattermost/mattermost/server/v8 v8.0.0-20240520151130-4bdd8bb18e47
	github.com/mattermost/mattermost/server/public v0.1.3
)
