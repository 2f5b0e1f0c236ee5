package toxics

// responseSide parses the downstream stream of one connection and tells
// each response which request it answers.
type responseSide struct {
	log    *exchangeLog
	parser *wireParser
	next   int // index of the request the next final response answers
	finals int // final responses whose head was parsed
}

// newResponseSide must be called from a toxic's NewState: that is where the
// connection's exchangeLog can be claimed (see exchange_log.go).
func newResponseSide() *responseSide {
	r := &responseSide{log: claimExchange()}
	r.parser = newResponseParser(func() (string, string) {
		h, _ := r.log.request(r.next)
		r.next++
		r.finals++
		return h.method, h.target
	})
	return r
}

// awaitingResponse reports whether a logged request has no response head
// yet; false when unpaired.
func (r *responseSide) awaitingResponse() bool {
	return r.log != nil && r.log.count() > r.finals && !r.parser.inMessage()
}
