// Package readme keeps the READMEs' code true: its test fails when a line
// of Go that README.md or README.zh-CN.md shows is no longer a line of the
// source file it links to. The package has no code besides its test.
package readme
