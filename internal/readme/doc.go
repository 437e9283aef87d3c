// Package readme keeps the READMEs' code true: its tests fail when a line
// of Go that README.md or README.zh-CN.md shows is no longer a line of the
// source file it links to, and when the complete service that "The code"
// shows no longer builds on its own, or no longer delivers its trace with
// the endpoint as a URL and as host:port, over gRPC and (with the README's
// diff applied) over HTTP. The package has no code besides its tests.
package readme
