package report

// HostileForBrowser is hostileSession for the external tests.
var HostileForBrowser = hostileSession

// HeldListen is heldListen for the external tests.
var HeldListen = heldListen
