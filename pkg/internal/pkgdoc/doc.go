// Package pkgdoc holds no code, only a test over the whole repository that
// keeps its documentation from rotting:
//
//   - every Go package (every directory with non-test .go files, in any
//     module, outside testdata and vendor) has a package doc comment, and
//     that comment starts "Package <name> " (commands may start as they
//     like);
//   - no package is named util, common, types or misc: a shared package is
//     named for what it provides;
//   - every service folder, services/<name>, has a README.md saying what the
//     service consumes and publishes.
//
// The test finds the repository root as the nearest directory above it that
// holds go.work, and skips when there is none (when the module is used
// outside this repository).
package pkgdoc
