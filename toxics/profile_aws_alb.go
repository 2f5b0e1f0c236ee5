package toxics

import "time"

// AWSALB is a tunnel profile (`mcpvcr tunnel --profile aws-alb`).
const AWSALB Profile = "aws-alb"

const albIdle = 60 * time.Second // field failure 5

func init() {
	RegisterProfile(AWSALB, ProfileInfo{
		Summary: "AWS Application Load Balancer (HTTP/2): headers held until the first body byte, 60 s idle timeout (504), connections to the server pooled 60 s idle",
		Toxics: []Spec{
			{Type: HeaderHoldType, Stream: Downstream,
				Why: "field failure 5: ALB holds headers until the first DATA frame"},
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": albIdle, "status": 504},
				Why: "field failure 5: the GET stream hangs for ALB's 60 s timeout"},
		},
		// ALB pools its connections to targets and reaps them after the
		// same idle timeout (field failure 28).
		BalancerIdle: albIdle,
	})
}
