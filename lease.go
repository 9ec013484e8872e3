package enroll

// LeaseLost is the ECONFLICT a store returns for the record of an attempt
// made under a lease the object no longer holds: the lease expired and the
// object was claimed again, or the attempt was recorded already. The
// record is dropped, so that a sender whose lease ran out cannot overwrite
// the new holder's work, and so that a record can be tried again after an
// error that leaves unknown whether it committed.
func LeaseLost(object, id string) *Error {
	return Errorf(ECONFLICT, "%s %s no longer holds the lease its attempt was made under.", object, id)
}
