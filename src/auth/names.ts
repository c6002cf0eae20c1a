// A user's name: a login name or an e-mail address, kept in lower case so "Ana@x.io" and "ana@x.io"
// are one person.
export const USER_NAME = /^[a-z0-9][a-z0-9_.@+-]{0,127}$/;
export const USER_NAME_TEXT = '1 to 128 letters, digits, "_", ".", "@", "+" or "-", starting with a letter or digit (a name or an e-mail address)';

export const normalizeName = (name: string): string => name.trim().toLowerCase();

export function userNameProblem(name: string): string | undefined {
  return USER_NAME.test(normalizeName(name)) ? undefined : `must be ${USER_NAME_TEXT}`;
}
