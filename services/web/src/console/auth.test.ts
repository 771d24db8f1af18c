import { cookieNames } from "./auth";

describe("cookieNames", () => {
  it("uses __Host- names and Secure over https", () => {
    expect(cookieNames("https://learn.example.com")).toEqual({
      session: "__Host-beklijf_console",
      signIn: "__Host-beklijf_sign_in",
      secure: true,
    });
  });
  it("uses plain names without Secure over http (a laptop's localhost)", () => {
    expect(cookieNames("http://localhost:3000")).toEqual({
      session: "beklijf_console",
      signIn: "beklijf_sign_in",
      secure: false,
    });
  });
});
