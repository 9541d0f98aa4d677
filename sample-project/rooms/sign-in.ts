// sign-in: a browser sends a nickname and gets back a token for the rooms endpoint.
// The page closes the socket once it has its token.
import { signToken, validName } from "./util";

export async function onMessage(message: string | ArrayBuffer) {
  const nick = typeof message === "string" ? message.trim() : "";
  if (!validName(nick)) return { error: "a nickname is 1 to 24 letters, digits, '_' or '-'" };
  return { nick, token: await signToken(nick) };
}
