package toxics

import "time"

// ApacheDebian is a tunnel profile (`mcpvcr tunnel --profile apache-debian`).
const ApacheDebian Profile = "apache-debian"

const apacheDebian = 300 * time.Second // Debian's apache2.conf: Timeout 300

func init() {
	RegisterProfile(ApacheDebian, ProfileInfo{
		Summary: "apache-default with Debian's apache2.conf (Timeout 300): the cut comes after 300 s",
		Toxics:  apacheToxics(apacheDebian),
	})
}
