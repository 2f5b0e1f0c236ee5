package harness

// The report's and the cassette's accessors read one field of every
// result or interaction; these three do the reading once.

// each returns f of every element of xs, in order.
func each[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// gather returns the slices pick takes from every element of xs, joined
// in order; nil when all are empty.
func gather[T, U any](xs []T, pick func(T) []U) []U {
	var out []U
	for _, x := range xs {
		out = append(out, pick(x)...)
	}
	return out
}

// keep returns the elements of xs that ok accepts, in order; nil when none.
func keep[T any](xs []T, ok func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if ok(x) {
			out = append(out, x)
		}
	}
	return out
}
