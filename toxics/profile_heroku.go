package toxics

import "time"

// Heroku is a tunnel profile (`mcpvcr tunnel --profile heroku`).
const Heroku Profile = "heroku"

const (
	herokuFirst = 30 * time.Second // Heroku router H12: first byte within 30 s
	herokuIdle  = 55 * time.Second // Heroku router H15: 55 s without a byte
)

func init() {
	RegisterProfile(Heroku, ProfileInfo{
		Summary: "Heroku router: 503 (H12) without a first byte in 30 s, then the connection closed after 55 s without a byte (H15)",
		Toxics: []Spec{
			{Type: IdleCutType, Name: "h12", Stream: Downstream, Attrs: Attrs{"timeout": herokuFirst, "first_byte": true, "status": 503, "page": string(HerokuPage)},
				Why: "field failure 27: H12, 30 s to the first byte (devcenter.heroku.com/articles/request-timeout)"},
			{Type: IdleCutType, Name: "h15", Stream: Downstream, Attrs: Attrs{"timeout": herokuIdle, "status": -1},
				Why: "field failure 27: H15, 55 s without a byte closes the connection; a byte regularly keeps it"},
		},
	})
}
