package toxics

import "time"

// AWSAPIGateway is a tunnel profile (`mcpvcr tunnel --profile aws-api-gateway`).
const AWSAPIGateway Profile = "aws-api-gateway"

const apiGatewayMax = 30 * time.Second // API Gateway's integration timeout (HTTP APIs; REST 29 s)

func init() {
	RegisterProfile(AWSAPIGateway, ProfileInfo{
		Summary: "AWS API Gateway: no streaming (every response held until it ends), 30 s integration timeout (504 JSON)",
		Toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": apiGatewayMax, "deadline": true, "status": 504, "page": string(AWSPage)},
				Why: "field failure 24: API Gateway cuts at 30 s (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)"},
			{Type: SSEBufferType, Stream: Downstream,
				Why: "field failure 24: API Gateway does not stream: the client gets the response when it ends"},
		},
	})
}
