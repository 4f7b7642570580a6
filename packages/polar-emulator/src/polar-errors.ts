import { ApiError } from "./http";

/**
 * Polar's own errors for subscription changes and checkouts, as its API answers them: a
 * `PolarError` subclass becomes `{"error": <class name>, "detail": <message>}` with the class's
 * status (server/polar/exceptions.py), which the SDK parses into the class of the same name
 * where the operation declares it. Messages are Polar's, word for word.
 */

const polarError = (status: number, error: string, detail: string): ApiError => new ApiError(status, { error, detail });

// server/polar/subscription/service.py
export const alreadyCanceledSubscription = (): ApiError =>
  polarError(403, "AlreadyCanceledSubscription", "This subscription is already canceled or will be at the end of the period.");
export const cannotPauseSubscription = (): ApiError => polarError(409, "CannotPauseSubscription", "This subscription cannot be paused.");
export const noScheduledPause = (): ApiError => polarError(409, "NoScheduledPause", "This subscription is not scheduled to be paused.");
export const notPausedSubscription = (): ApiError => polarError(409, "NotPausedSubscription", "This subscription is not paused.");
export const notASeatBasedSubscription = (): ApiError =>
  polarError(400, "NotASeatBasedSubscription", "This subscription does not support seat-based pricing.");
export const notAUnitBasedSubscription = (): ApiError =>
  polarError(400, "NotAUnitBasedSubscription", "This subscription does not support unit-based pricing.");

// server/polar/order/service.py: a declined charge of a change invoiced now (PaymentMode.sync).
export const paymentFailed = (reason: "card_error" | "missing_payment_method"): ApiError =>
  polarError(402, "PaymentFailed", `Payment failed with reason: ${reason}.`);

// server/polar/exceptions.py, raised by `uncancel`.
export const badRequest = (): ApiError => polarError(400, "BadRequest", "Bad request");
export const resourceUnavailable = (): ApiError => polarError(410, "ResourceUnavailable", "Unavailable");

// server/polar/checkout/service.py
export const ALREADY_ACTIVE_SUBSCRIPTION_MESSAGE = "You already have an active subscription.";
export const alreadyActiveSubscription = (): ApiError => polarError(403, "AlreadyActiveSubscriptionError", ALREADY_ACTIVE_SUBSCRIPTION_MESSAGE);
export const notOpenCheckout = (id: string, status: string): ApiError => polarError(403, "NotOpenCheckout", `Checkout ${id} is not open: ${status}`);

// server/polar/exceptions.py, with the messages the seat and member endpoints give them.
export const resourceNotFound = (detail = "Not found"): ApiError => polarError(404, "ResourceNotFound", detail);
export const badRequestWith = (detail: string): ApiError => polarError(400, "BadRequest", detail);
export const notPermitted = (detail = "Not permitted"): ApiError => polarError(403, "NotPermitted", detail);

// server/polar/customer_seat/service.py
export const seatNotAvailable = (sourceId: string, reason?: string): ApiError => polarError(400, "SeatNotAvailable", reason ?? `No available seats for ${sourceId}`);
export const invalidInvitationToken = (): ApiError => polarError(400, "InvalidInvitationToken", "Invalid or expired invitation token");
export const seatAlreadyAssigned = (email: string): ApiError => polarError(400, "SeatAlreadyAssigned", `Seat already assigned to customer ${email}`);
export const seatNotPending = (): ApiError => polarError(400, "SeatNotPending", "Seat is not in pending status");
export const invalidSeatAssignmentRequest = (detail = "Exactly one of email, external_customer_id, or customer_id must be provided"): ApiError =>
  polarError(400, "InvalidSeatAssignmentRequest", detail);
export const memberNotFound = (identifier: string): ApiError => polarError(404, "MemberNotFound", `Member not found: ${identifier}`);
export const memberEmailMismatch = (externalMemberId: string, email: string): ApiError =>
  polarError(400, "MemberEmailMismatch", `Member with external_member_id '${externalMemberId}' exists but has a different email than '${email}'`);

// server/polar/subscription/service.py: a change of seats (`validate_seats_change`).
export const belowMinimumSeats = (minimum: number): ApiError => polarError(400, "BelowMinimumSeats", `Minimum ${minimum} seats required.`);
export const aboveMaximumSeats = (maximum: number): ApiError => polarError(400, "AboveMaximumSeats", `Maximum ${maximum} seats allowed.`);
export const seatsAlreadyAssigned = (assigned: number, requested: number): ApiError =>
  polarError(400, "SeatsAlreadyAssigned", `Cannot decrease seats to ${requested}. Currently ${assigned} seats are assigned. Revoke seats first.`);
