package toxics

// Clean is a tunnel profile (`mcpvcr tunnel --profile clean`).
const Clean Profile = "clean"

func init() {
	RegisterProfile(Clean, ProfileInfo{
		Summary: "a plain TCP relay, no toxics: the baseline",
	})
}
