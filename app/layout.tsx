import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Header } from "./components/Header";
import "./globals.css";

// Every page shows the signed-in user's state from MongoDB: nothing is prerendered at build.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Acme Pro", template: "%s · Acme Pro" },
  description: "Upgrade to Pro with Polar. Your plan, always up to date.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:rounded focus:bg-white focus:px-3 focus:py-2">
          Skip to content
        </a>
        <Header />
        <main id="main" className="mx-auto max-w-4xl px-4 py-10">
          {children}
        </main>
      </body>
    </html>
  );
}
