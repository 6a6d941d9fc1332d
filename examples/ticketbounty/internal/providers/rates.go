package providers

import (
	"encoding/json"
	"net/http"
)

// Rate is a currency rate as the stub provider answers it.
type Rate struct {
	From string  `json:"from"`
	To   string  `json:"to"`
	Rate float64 `json:"rate"`
}

// usdRates are the stub's fixed rates from USD.
var usdRates = map[string]float64{"USD": 1, "EUR": 0.92, "GBP": 0.79, "JPY": 151.2}

// RatesHandler is a local stand-in for a currency-rate API:
// GET ?from=USD&to=EUR answers {"from","to","rate"}; unknown pairs are 404.
// The example serves it under /api/rates so that the durable fetch never
// leaves the machine.
func RatesHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
		rate, ok := usdRates[to]
		if from != "USD" || !ok {
			http.Error(w, `{"error":"unknown currency pair"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Rate{From: from, To: to, Rate: rate})
	})
}
