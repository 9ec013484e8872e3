package enroll

// ImportMediaTypes maps the media types an import file may be sent as to
// its format: the API's request body and the console's file part read
// the same table, and the OpenAPI document lists its keys.
var ImportMediaTypes = map[string]string{
	"text/csv":             FormatCSV,
	"application/csv":      FormatCSV,
	"application/x-ndjson": FormatNDJSON,
	"application/ndjson":   FormatNDJSON,
	"application/jsonl":    FormatNDJSON,
}
