package postgres

// OpenOfCustomer and OpenOfLead are a refused create's look-ups of the
// open enrollment its customer (lead) holds, which its 409 names.
var OpenOfCustomer, OpenOfLead = openOfCustomer, openOfLead
