/** The client secret's least length: what the app requires of it too (a 32-character random string). */
export const MIN_SECRET_LENGTH = 32;
