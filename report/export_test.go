package report

// HostileForBrowser is hostileSession for the external tests.
var HostileForBrowser = hostileSession
